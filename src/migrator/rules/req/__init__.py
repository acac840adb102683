"""REQ: requirements.txt checked against the target MWAA environment.

MWAA runs ``pip install -r requirements.txt`` on every component with its own never-overridable
pins added; a conflict makes the environment update fail and roll back after a long wait. These
rules read the parsed requirement files (``project.requirements``), the constraints chosen for
the target (``project.constraints_for``) and the knowledge base.

Fixes are ``findings.RequirementsFix`` subclasses, one per ``action`` (``DropRequirement``,
``PinRequirement``, ``AddRequirement``, ``ReplaceRequirement``, ``AddConstraint``,
``ReplaceConstraint``), all ``kind="requirements"``; :mod:`migrator.requirements_fix` applies
them all at once.
"""
