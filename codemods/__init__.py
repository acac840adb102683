"""LibCST codemods used by ``migrator fix``; installed as ``migrator.codemods``."""
