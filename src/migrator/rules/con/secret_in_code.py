"""CON009: Credential in DAG or plugin code"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.secrets import (
    MASK,
    is_literal_secret,
    is_sensitive_name,
    mask,
    names_a_credential,
    uri_has_password,
)


class SecretInCode(PythonRule):
    """
    ## What it does
    Reports credentials written as string literals in DAG and plugin code: secret-named keyword
    arguments (`password=`, `api_key=`, `aws_secret_access_key=`), secret-named assignments and
    dictionary keys, and URIs with a password. An on/off value (`"True"`, `"no"`) is a flag's,
    not a credential. Names of things are not credentials and are not
    reported: the arguments of a Kubernetes `Secret(...)` (a cluster secret to mount), a service
    account (an identity, unlike its key), a credentials-provider class, Flask-AppBuilder's
    OAuth `token_key` (the response field holding the token) and `access_token_url` (the
    provider's endpoint), a `{name}` field of a URL that `.format()` fills in at run time, a
    value that only names the credential (`password = "password"`, the key of a mounted secret;
    `es_password_env_var = "REINDEXER_ES_PASSWORD"`, the variable it is read from), an HTTP
    authentication scheme alone (`api_key_prefix = {"authorization": "Bearer"}`) and a made-up
    stand-in (`"made-up-string"`, `"dummy-token"`).

    ## Why it matters on MWAA
    The code is uploaded to S3 and readable by everyone with access to the bucket or the
    repository, and rotating the secret means redeploying DAGs.

    ## Example
    ```python
    hook = HttpHook(http_conn_id="crm")
    token = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    ```

    ## Fix
    Store the value in a connection or variable backed by Secrets Manager and read it at run
    time (`BaseHook.get_connection("crm").password`, `{{ var.value.crm_token }}`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "CON009"
    name = "secret-in-code"
    severity = Severity.ERROR
    summary = "Credential in DAG or plugin code"
    needs_airflow_import = False
    valid = (Valid("from airflow.hooks.base import BaseHook\n\npassword = BaseHook.get_connection('crm').password\n"
                   "api_key_name = 'x-api-key'\n"),
             # secret= of a Kubernetes Secret names the cluster secret to mount
             Valid("from airflow.providers.cncf.kubernetes.secret import Secret\n\n"
                   "DB = Secret(deploy_type='env', deploy_target='DB_URL', secret='warehouse-db', key='url')\n"),
             # names of things: a Kubernetes service account, a Hadoop credentials-provider class, the
             # key of a mounted secret and the environment variable a credential is read from
             Valid("service_account = 'etl-runner'\n"
                   "SPARK = {'spark.hadoop.fs.s3a.aws.credentials.provider': "
                   "'org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider'}\n"
                   "warehouse_password = 'password'\n"
                   "warehouse_access_key_env_var = 'WAREHOUSE_ACCESS_KEY'\n"),
             # the environment variable a Kubernetes secret is deployed to, and the scheme word
             # the Kubernetes client puts before the token
             Valid("from kubernetes import client\n\n_search_password_env_var = 'REINDEXER_SEARCH_PASSWORD'\n"
                   "configuration = client.Configuration()\n"
                   "configuration.api_key_prefix = {'authorization': 'Bearer'}\n"),
             # Flask-AppBuilder's OAuth token_key names the response field that holds the token
             Valid("import os\n\nOAUTH_PROVIDERS = [{'name': 'github', 'token_key': 'access_token', "
                   "'remote_app': {'client_id': 'abc', 'client_secret': os.environ['OAUTH_APP_SECRET']}}]\n"),
             # a made-up value that only fills a secret option
             Valid("MONGODB_SECRET_KEY = 'made-up-string'\nSPARK_OPTIONS = {'TargetSecretKey': MONGODB_SECRET_KEY}\n"),
             # an on/off flag whose name holds a credential word: its value is no credential
             Valid("def gateway(rest_login, rest_password):\n    return {'gateway': {\n"
                   "        'restAuthCredential.enabled_credential': 'True',\n"
                   "        'restAuthCredential.username': rest_login,\n"
                   "        'restAuthCredential.password': rest_password}}\n"),
             # an OAuth provider's public token endpoint is an address, not a credential
             Valid("OAUTH_PROVIDERS = [{'name': 'github', 'remote_app': "
                   "{'access_token_url': 'https://github.com/login/oauth/access_token'}}]\n"),
             # {{token}} in an f-string is a literal {token} field that .format() fills at run time
             Valid("GIT_HOST = 'git.example.com'\nREPO_URL = f'https://ci:{{access_token}}@{GIT_HOST}/etl/repo.git'\n\n\n"
                   "def clone_url(access_token):\n    return REPO_URL.format(access_token=access_token)\n"))
    invalid = (Invalid("import requests\n\nrequests.get('https://crm.example.com', auth=('etl', 'x'), "
                       "headers={'api_key': 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'})\n", line=3, contains="api_key"),
               Invalid("DB_URI = 'postgresql://etl:s3cret@warehouse.example.com/dw'\n", line=1, contains="etl:****@"),
               Invalid("from airflow.models.connection import Connection\n\n"
                       "Connection(conn_id='crm', conn_type='http', password='s3cret')\n", line=3,
                       contains="password"),
               # words of its name, but no credential's name: a (weak) password
               Invalid("warehouse_password = 'warehouse'\n", line=1, contains="warehouse_password"),
               # upper-case words sharing none of its name's: a password, not a variable's name
               Invalid("warehouse_password = 'SUPER_SECRET_2024'\n", line=1, contains="warehouse_password"))

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        names_a_secret = {id(keyword) for call, qualname in module.calls
                          if qualname and qualname.rsplit(".", 1)[-1] in _SECRET_REFERENCE_CLASSES
                          for keyword in call.keywords}
        for node in module.nodes_of(ast.keyword, ast.Assign, ast.AnnAssign, ast.Dict, ast.Constant):
            if isinstance(node, ast.keyword) and id(node) in names_a_secret:
                continue
            if isinstance(node, ast.keyword) and node.arg and _literal_secret(node.arg, node.value):
                yield self.at_node(module, node.value, f"{node.arg}='{MASK}' is a credential in code: read it from a "
                                                       "Secrets Manager-backed connection or variable")
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else (
                        target.attr if isinstance(target, ast.Attribute) else None)
                    if name and _literal_secret(name, node.value):
                        yield self.at_node(module, node.value, f"{name} = '{MASK}' is a credential in code: read it "
                                                               "from a Secrets Manager-backed connection or variable")
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=False):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                            and _literal_secret(key.value, value):
                        yield self.at_node(module, value, f"'{key.value}': '{MASK}' is a credential in code")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "://" in node.value \
                    and "@" in node.value and uri_has_password(node.value):
                yield self.at_node(module, node, f"'{mask(node.value)[:120]}' is a URI with a password in code: "
                                                 "use a connection stored in Secrets Manager")


# Classes whose arguments name a secret kept elsewhere: the Kubernetes provider's
# ``Secret(deploy_type, deploy_target, secret, key)`` mounts the cluster secret ``secret``.
_SECRET_REFERENCE_CLASSES = frozenset({"Secret"})


def _literal_secret(name: str, node: ast.AST | None) -> bool:
    """Whether ``node`` is a string literal holding the credential a field called ``name`` holds."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return is_sensitive_name(name) and is_literal_secret(node.value) and not names_a_credential(name, node.value)
