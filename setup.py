"""Package mapping only; all metadata lives in pyproject.toml.

codemods/ and compat/ sit at the top level of the repo (see DESIGN.md) but install as
``migrator.codemods`` and ``migrator.compat``; pyproject alone cannot combine that mapping
with package discovery, so it is done here.
"""

from setuptools import find_packages, setup

MAPPED = {"migrator.codemods": "codemods", "migrator.compat": "compat"}

packages = find_packages("src")
for package, folder in MAPPED.items():
    packages.append(package)
    packages += [f"{package}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir={"": "src", **MAPPED})
