from setuptools import setup

setup(
    name="acme-utils",
    version="0.4.0",
    description="Record-parsing helpers shared by the vendor parsers on the ETL hosts",
    py_modules=["acme_utils"],
    python_requires=">=3.6",
)
