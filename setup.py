"""Package discovery (everything else is in pyproject.toml).

The built-in rules live in rules/ and install as ``oopslint.rules``: every
package under rules/ is found and mapped there, so a new rule family needs no
edit here or in pyproject.toml beyond its entry point.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["oopslint", "oopslint.*"]),
        "oopslint.rules",
        *(f"oopslint.rules.{name}" for name in find_packages("rules")),
    ],
    package_dir={"oopslint.rules": "rules"},
)
