# What goes into the outrigger-sdk distribution (metadata: pyproject.toml): the SDK module and its PEP 561 stub package.
from setuptools import setup

setup(
    py_modules=["outrigger"],
    packages=["outrigger-stubs"],
    package_data={"outrigger-stubs": ["__init__.pyi"]},
)
