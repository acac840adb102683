"""Credential shapes the reliability canaries found unmasked, and masking in linear time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.secrets import (
    is_placeholder,
    is_sensitive_name,
    mask,
    names_a_credential,
    uri_has_password,
)


@pytest.mark.parametrize(("text", "secret"), [
    ("git+https://ghp_SECRETTOKEN1@github.com/acme/etl.git", "ghp_SECRETTOKEN1"),
    ("PGPASSWORD=s3cretpw psql -h db", "s3cretpw"),
    ("DBPASS=s3cretpw", "s3cretpw"),
    ("Authorization: Bearer abcdefSECRET123", "abcdefSECRET123"),
    ("smtp_password = two words", "words"),
    ("[smtp]\nsmtp_password = two words\nsmtp_port = 587\n", "two words"),
])
def test_secret_shapes_are_masked(text, secret):
    assert secret not in mask(text)


@pytest.mark.parametrize(("text", "kept"), [
    ("PGPASSWORD=pw psql -h db", "psql -h db"),
    ("git+ssh://git@github.com/acme/x.git", "git@github.com"),
    ("pool = bypass_pool", "bypass_pool"),
    ("password: ${SMTP_PASSWORD}", "${SMTP_PASSWORD}"),
])
def test_what_is_not_a_secret_stays(text, kept):
    assert kept in mask(text)


@pytest.mark.parametrize(("name", "sensitive"), [
    ("service_account", False),  # an identity: a Kubernetes or cloud account name
    ("k8s_service_account", False),
    ("serviceAccountName", False),
    ("service_account_key", True),  # its key is a credential
    ("gcp_service_account_json", True),
    ("spark.hadoop.fs.s3a.aws.credentials.provider", False),  # a class that fetches credentials
    ("aws_credentials", True),
    ("token_key", False),  # Flask-AppBuilder's OAuth setting: the name of the response field
    ("access_token", True),
    ("access_token_url", False),  # an OAuth provider's endpoint; a password in a URL is found as one
    ("token_uri", False),
    ("slack_webhook_secret", True),
])
def test_names_of_identities_and_providers_are_not_credentials(name, sensitive):
    assert is_sensitive_name(name) is sensitive


@pytest.mark.parametrize(("name", "value", "names_it"), [
    ("vertica_password", "password", True),  # the key of a mounted secret
    ("aws_config_aws_secret_key", "aws-secret-key", True),
    ("etl_access_key_env_var", "ETL_ACCESS_KEY", True),  # the variable it is read from
    ("warehouse_password", "warehouse", False),  # words of the name, but no credential's name
    ("warehouse_password", "password-2024", False),
    ("api_token", "s3cr3t", False),
    # an environment variable's name sharing a word with the field: the variable a secret is deployed to
    ("_elasticsearch_password_env_var", "REINDEXER_ELASTICSEARCH_PASSWORD", True),
    ("warehouse_password", "SUPER_SECRET_2024", False),  # upper case, but sharing no word: a password
    ("warehouse_password", "WAREHOUSE", False),  # one word, no variable's name
])
def test_a_value_that_only_names_its_credential(name, value, names_it):
    assert names_a_credential(name, value) is names_it


@pytest.mark.parametrize(("value", "placeholder"), [
    ("made-up-string", True),
    ("dummysecret", True),
    ("fake_token", True),
    ("CHANGE_ME", True),
    ("<password>", True),
    ("s3cr3t-2024", False),
    ("mongo-prod-key", False),
    ("Bearer", True),  # an HTTP authentication scheme alone: the word before the credential
    ("token", True),
    ("Bearer abcdefSECRET123", False),
    ('""', True),  # an empty value a compose list item keeps its quotes around (OAUTH_APP_SECRET="")
    ("no-check", True),  # the fixed value of Atlassian's X-Atlassian-Token header
    ('"s3cr3t-2024"', False),
])
def test_made_up_values_are_placeholders(value, placeholder):
    assert is_placeholder(value) is placeholder


def test_long_values_without_credentials_come_back_unchanged():
    # These took minutes when the patterns retried at every character of a long word; the
    # benchmark of record is the suite's own run time, this checks they are left intact.
    for text in ("y" * 200_000, "ab://" * 50_000, "password" * 20_000):
        assert mask(text) == text


CANARY = "Zq99nRy99Kw"
URL_RESERVED = st.sampled_from(["#", "/", "?", "@", ":", "%", "=", "&", ";", "+", "!", "*", ","])


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(st.one_of(URL_RESERVED, st.just(CANARY), st.just(" ")), min_size=1, max_size=6),
       st.sampled_from(["postgres", "redis", "db+postgresql", "https"]), st.sampled_from(["etl", ""]))
def test_a_url_value_is_masked_by_its_structure_whatever_its_password_holds(parts, scheme, user):
    password = CANARY + "".join(parts)
    value = f"{scheme}://{user}:{password}@db.example.com:5432/dw"
    assert CANARY not in mask(value)  # a whole value: its password may hold spaces
    if " " not in password:  # inside free text a URL ends at a space
        assert CANARY not in mask(f"connection uri {value} is invalid")
    # Detection reads a "/" as the end of a host and port (a JDBC principal below) and "?k=v@"
    # as an address in a query; masking reads both as password.
    if not set(password) & {"/", "?"}:
        assert uri_has_password(value)
    assert not uri_has_password("jdbc:hive2://hive:10000/default;principal=hive/_HOST@CORP.LOCAL")


def test_a_format_field_in_a_url_is_no_password_but_is_still_masked():
    """``"https://ci:{token}@host"``: ``.format()`` fills the password in at run time; detection
    does not take the field for one, masking (eager) still hides it."""
    for value in ("https://ci:{token}@git.example.com/repo.git", "postgresql://{login}:{password}@{host}/dw"):
        assert not uri_has_password(value)
    assert mask("https://ci:{token}@git.example.com") == "https://ci:****@git.example.com"
    assert uri_has_password("https://ci:{token}x@git.example.com")  # not a bare field: a password


@pytest.mark.parametrize(("text", "masked"), [
    # The action an AccessDenied message names is no credential (doctor shows it in the fix).
    ("is not authorized to perform: secretsmanager:GetSecretValue on", None),
    ("lacks secretsmanager:GetSecretValue", None),
    # Anything else under that name still is.
    ("secretsmanager:Hunter2x", "secretsmanager:****"),
    ("secretsmanager: hunter2", "secretsmanager: ****"),
])
def test_an_iam_action_of_a_sensitive_sounding_service_is_not_masked(text, masked):
    assert mask(text) == (masked or text)


@pytest.mark.parametrize(("text", "masked"), [
    # A Kubernetes pod's secrets argument, a call: code, no literal to hide.
    ("        secrets=[DB_SECRET],", None),
    ('    password=get_password("warehouse"),', None),
    # A literal after the name still is one.
    ("secrets=hunter2", "secrets=****"),
    ('password="hunter2",', 'password="****",'),
])
def test_code_after_a_sensitive_name_is_not_masked(text, masked):
    assert mask(text) == (masked or text)
