"""YAML read once per run through libyaml, with the pure-Python loader's answers and errors."""

from __future__ import annotations

import pytest
import yaml

from migrator.analysis import yamlparse
from migrator.analysis.envsources import mapping_items

COMPOSE = """\
x-env: &env
  AIRFLOW__CORE__EXECUTOR: CeleryExecutor
  SHARED: one
services:
  web:
    environment:
      <<: *env
      SHARED: two
    volumes: ["./dags:/opt/airflow/dags"]
"""


def _shape(node):
    """A node tree as plain data, marks included: what two loaders must agree on."""
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.start_mark.line, node.start_mark.column)
    children = [(_shape(k), _shape(v)) for k, v in node.value] if isinstance(node, yaml.MappingNode) \
        else [_shape(item) for item in node.value]
    return (node.tag, node.start_mark.line, children)


def test_compose_gives_the_pure_python_loaders_nodes_and_lines():
    assert _shape(yamlparse.compose(COMPOSE)) == _shape(yaml.compose(COMPOSE, Loader=yaml.SafeLoader))


def test_safe_load_equals_yaml_safe_load_and_leaves_the_shared_tree_unmerged():
    assert yamlparse.safe_load(COMPOSE) == yaml.safe_load(COMPOSE)
    node = yamlparse.compose(COMPOSE)
    environment = mapping_items(mapping_items(mapping_items(node)[1][1])[0][1])[0][1]
    # The merge key is still there for the env analysis, which applies it itself (explicit wins).
    assert [k.value for k, _ in environment.value] == ["<<", "SHARED"]
    assert {k.value: v.value for k, v in mapping_items(environment)}["SHARED"] == "two"


def test_one_parse_per_text():
    text = COMPOSE + "# once\n"
    assert yamlparse.compose(text) is yamlparse.compose(text)


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: b: c\n", "x: 1\n---\ny: 2\n", "\tkey: v\n"])
def test_errors_read_as_the_pure_python_loaders(text):
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.compose(text, Loader=yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError) as got:
        yamlparse.compose(text)
    assert str(got.value) == str(expected.value)


def test_empty_text_is_no_document():
    assert yamlparse.compose("") is None and yamlparse.safe_load("# nothing\n") is None
