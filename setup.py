"""Wheel tags for a package that holds native libraries but no Python extension.

The libraries are loaded with ctypes, so a wheel works with any Python 3 on
its platform: it is tagged py3-none-<platform> (not none-any, which pip would
install on a machine the libraries cannot run on). Everything else is in
pyproject.toml.
"""

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.dist import Distribution


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False  # platlib, Root-Is-Purelib: false

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class NativeDistribution(Distribution):
    def has_ext_modules(self):
        return True  # the platform tag comes from here


setup(distclass=NativeDistribution, cmdclass={"bdist_wheel": PlatformWheel})
