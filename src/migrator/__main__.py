import sys

from migrator.cli import entry

sys.exit(entry())
