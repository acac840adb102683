"""Airflow's own Kubernetes pod objects (Volume, VolumeMount, Port, Resources, PodRuntimeInfoEnv)
and the Kubernetes client models that replaced them.

Airflow 1.10 and 2.x built these objects for the pod operator; the cncf-kubernetes provider takes
the Kubernetes client's models directly and no longer ships the classes. The overlay says how each
old constructor's parameters map onto the new model (read from the old classes'
``to_k8s_client_obj``); the models' fields come from the Kubernetes client wheel the target pins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ._data import load_json
from .mwaa import MwaaVersion, get_version
from .resolver import resolve, target_distributions

# A field's value as the Kubernetes client types it: another model (its class name), a list of
# models ("list:<class>"), a dict ("dict") or anything else ("").
Container = str


@dataclass(frozen=True)
class KubernetesObject:
    """One of Airflow's pod objects and the client model that replaced it."""

    old: str                                      # the class, where the overlay names it
    new: str                                      # kubernetes.client.models.<Model>
    parameters: tuple[str, ...]                   # the old constructor's, in order
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # old parameter -> path in the new object
    expand: str | None                            # parameter whose dict keys are JSON keys of the model
    source: str

    @property
    def model(self) -> str:
        return self.new.rpartition(".")[2]


@dataclass(frozen=True)
class KubernetesArgument:
    """An operator argument whose old value was the parameters of a pod object."""

    owner: str          # the operator, where the target has it
    argument: str
    replacement: str    # the argument that takes the client model
    object: KubernetesObject
    source: str


@lru_cache(maxsize=1)
def _objects() -> dict[str, KubernetesObject]:
    rows = load_json("overlay.json")["kubernetes_objects"]
    moves = {row["old"]: row["new"] for row in load_json("overlay.json")["moves"]}
    return {row["old"]: KubernetesObject(
        row["old"], moves[row["old"]], tuple(row["parameters"]),
        tuple((name, tuple(path)) for name, path in row["fields"].items()), row.get("expand"),
        row["source"]) for row in rows}


def kubernetes_object(qualname: str, target: MwaaVersion | str | None = None) -> KubernetesObject | None:
    """The pod object ``qualname`` (any spelling: 1.10 contrib, 2.x core, provider backcompat)
    names, when the target has the client model that replaced it instead."""
    resolution = resolve(qualname, target)
    found = next((_objects()[hop] for hop in resolution.hops if hop in _objects()), None)
    return found if found is not None and resolution.new == found.new else None


def kubernetes_argument(operator: str, argument: str,
                        target: MwaaVersion | str | None = None) -> KubernetesArgument | None:
    """The conversion an operator's argument needs (the 1.10 pod operator's ``resources``
    dict), for any spelling of the operator."""
    owner = resolve(operator, target).new or operator
    for row in load_json("overlay.json")["kubernetes_arguments"]:
        if row["owner"] == owner and row["argument"] == argument:
            return KubernetesArgument(owner, argument, row["replacement"], _objects()[row["object"]],
                                      row["source"])
    return None


def kubernetes_arguments() -> frozenset[str]:
    """Names of the operator arguments ``kubernetes_argument`` knows (a cheap first filter)."""
    return frozenset(row["argument"] for row in load_json("overlay.json")["kubernetes_arguments"])


@lru_cache(maxsize=16)
def _models(target: MwaaVersion) -> dict[str, dict[str, list[str]]]:
    version = target_distributions(target).get("kubernetes")
    if version is None:
        return {}
    return load_json(f"generated/inventory/kubernetes-{version}.json")["models"]


def model_fields(model: str, target: MwaaVersion | str | None = None) -> dict[str, tuple[str, Container]]:
    """JSON key -> (attribute, container) of a client model at the version the target pins;
    empty for a model the knowledge base does not describe."""
    version = get_version(target)
    models = _models(version)
    return {key: (attribute, _container(type_text, models))
            for attribute, (key, type_text) in models.get(model, {}).items()}


def field_path(model: str, path: tuple[str, ...], target: MwaaVersion | str | None = None
               ) -> tuple[tuple[str, Container], ...] | None:
    """Each step of ``path`` inside ``model`` with what it holds: ``("value_from", "V1EnvVarSource")``,
    ``("requests", "dict")``, then a key of that dict (``("memory", "")``). None when a step is
    not a field of the model it is in."""
    steps = []
    current: Container = model
    for name in path:
        if current == "dict":
            steps.append((name, ""))
            current = ""
            continue
        attributes = {attribute: container for attribute, container in model_fields(current, target).values()}
        if name not in attributes:
            return None
        current = attributes[name]
        steps.append((name, current))
    return tuple(steps)


def _container(type_text: str, models: dict) -> Container:
    if type_text in models:
        return type_text
    if type_text.startswith("list[") and type_text[5:-1] in models:
        return f"list:{type_text[5:-1]}"
    if type_text.startswith("dict"):
        return "dict"
    return ""
