# swiftmoons: the two commands of the README are `make demo` and `make test`.
# Each does all set-up it needs: the native library, a virtualenv, the package.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PKG    := python/swiftmoons
# The builds scripts/build_native.py makes on this machine (three on x86-64:
# baseline, avx2, avx512; one elsewhere), each in .build-<variant>.
VARIANTS := $(shell $(PYTHON) -c "import sys; sys.path.insert(0, 'scripts'); import build_native as b; print(' '.join(b.variants_here()))")
BASELINE := .build-baseline/release/libswiftmoons.so
CTEST  := Tests/c/sm_c_test
# The variants this processor can run (the loader's own rule).
RUNNABLE := $(shell $(PYTHON) python/swiftmoons/_cpu.py)

.PHONY: demo test bench lib venv wheel swift-test c-test memcheck-test linkage-test browser py-test compat-test fuzz clean

# The main job: the article's experiment, reproduced.
demo: lib venv
	$(PY) -m swiftmoons

# Every test: Swift, C (also under valgrind), the library's linkage, Python
# (with a bounded fuzz run; `make fuzz` runs a long one), and the parity
# tests on the declared floors and on a newer Python.
test: lib venv swift-test c-test memcheck-test linkage-test py-test compat-test

# The benchmark: swiftmoons against its NumPy reference (about two minutes).
bench: lib venv
	$(PY) benchmarks/bench.py

# The shared library in every variant, with the Swift runtime linked in
# statically so it loads without a toolchain, copied into the Python package
# (renamed into place, so that a running process that has the old one loaded
# is unharmed). The same script builds it when pip installs the package.
lib:
	$(PYTHON) scripts/build_native.py

# The package installed as a user installs it (pip runs the same native
# build through build_backend/), editable so that `make lib` updates it.
# A wheel for this platform in dist/: built by pip through the same backend,
# then checked and tagged by auditwheel for the oldest glibc the libraries
# accept (manylinux_2_X_<arch>). It needs no Swift toolchain to install.
wheel: lib venv
	rm -rf dist/raw && mkdir -p dist
	env -u LD_LIBRARY_PATH $(PY) -m pip wheel --quiet --no-deps --wheel-dir dist/raw .
	rm -f dist/swiftmoons-*.whl
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m auditwheel repair --wheel-dir dist dist/raw/swiftmoons-*.whl
	$(PY) -m auditwheel show dist/swiftmoons-*.whl
	rm -rf dist/raw

$(VENV)/.installed: pyproject.toml setup.py build_backend/swiftmoons_build.py scripts/find_torch_wheel.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,plot,widgets]"
	@w=$$($(PY) scripts/find_torch_wheel.py); if [ -n "$$w" ]; then \
	   echo "venv: PyTorch (CPU) from $$w, for the PyTorch parity checks"; $(PY) -m pip install --quiet "$$w"; fi
	touch $@

venv: $(VENV)/.installed

swift-test:
	swift test

# The C test links against the baseline build and runs against each build
# this processor can run (LD_LIBRARY_PATH picks which).
$(CTEST): Tests/c/test_capi.c include/swiftmoons.h $(BASELINE)
	cc -std=c11 -Wall -Wextra -Werror -Iinclude $< -L$(dir $(BASELINE)) -lswiftmoons -lm \
	   -Wl,--enable-new-dtags -Wl,-rpath,$(abspath $(dir $(BASELINE))) -o $@

c-test: lib $(CTEST)
	@for v in $(VARIANTS); do \
	   if echo " $(RUNNABLE) " | grep -q " $$v "; then \
	     echo "c-test: the $$v build"; \
	     LD_LIBRARY_PATH=.build-$$v/release SM_EXPECT_VARIANT=$$v ./$(CTEST) || exit 1; \
	   else echo "c-test: this processor cannot run the $$v build; not run"; fi; done

# The C test under valgrind: no invalid read or write, no leak. valgrind is
# installed with apt where it is missing and this runs as root (as CI does).
memcheck-test: lib $(CTEST)
	@command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	   (apt-get update -qq && apt-get install -y -qq valgrind >/dev/null); } || true
	@if command -v valgrind >/dev/null; then \
	   LD_LIBRARY_PATH=$(dir $(BASELINE)) valgrind --quiet --error-exitcode=99 --leak-check=full \
	     --show-leak-kinds=definite --errors-for-leak-kinds=definite ./$(CTEST) && \
	   echo "memcheck: the C test is clean under valgrind"; \
	 else echo "memcheck: valgrind is not installed; skipped"; fi

# The library must not need libswift*.so at run time.
linkage-test: lib
	@for f in $(PKG)/libswiftmoons_*.so; do \
	   if ldd $$f | grep -q libswift; then \
	     echo "FAIL: $$f links Swift runtime libraries dynamically:"; ldd $$f; exit 1; \
	   else echo "linkage: $$f needs no Swift runtime libraries"; fi; done

# The widgets' browser tests need Chromium: installed with apt where it is
# missing and this runs as root (as CI does). Where it is present they must
# run (a missing browser then fails them instead of skipping them).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); } || true
	@command -v chromium >/dev/null || echo "browser: no Chromium and not root to install it: the widgets' browser tests will be skipped"

py-test: lib venv browser
	env -u LD_LIBRARY_PATH $$(command -v chromium >/dev/null && echo SWIFTMOONS_REQUIRE_BROWSER=1) \
	   $$([ -n "$$($(PY) scripts/find_torch_wheel.py)" ] && echo SWIFTMOONS_REQUIRE_TORCH=1) $(PY) -m pytest -q

# The floors pyproject.toml declares, tested: the parity tests (data, streams,
# networks against NumPy and scikit-learn) on the oldest Python and NumPy it
# allows (NumPy 1.24 fails 102 of them: make_moons then differs from
# scikit-learn's by up to 4.4e-16), and on a newer Python with the newest
# NumPy. Each in a virtualenv of its own, from pyenv's Pythons.
FLOOR_PYTHON := $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.9.*/bin/python)))
NEWER_PYTHON := $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.13.*/bin/python)))
COMPAT_TESTS := python/tests/test_data.py python/tests/test_random.py python/tests/test_network.py python/tests/test_mlp.py

.venv-floor/.installed:
	$(FLOOR_PYTHON) -m venv .venv-floor
	.venv-floor/bin/pip install --quiet "numpy==1.25.2" "scikit-learn==1.3.2" pytest pytest-timeout
	touch $@

.venv-newer/.installed:
	$(NEWER_PYTHON) -m venv .venv-newer
	.venv-newer/bin/pip install --quiet numpy scikit-learn pytest pytest-timeout
	touch $@

compat-test: lib
ifeq ($(and $(FLOOR_PYTHON),$(NEWER_PYTHON)),)
	@echo "compat-test: pyenv's Python 3.9 and 3.13 are not both here; the floor checks were not run"
else
	$(MAKE) .venv-floor/.installed .venv-newer/.installed
	@for v in .venv-floor .venv-newer; do \
	   $$v/bin/python -c "import sys, numpy; print('compat-test: Python %d.%d, NumPy %s' % (sys.version_info[:2] + (numpy.__version__,)))"; \
	   env -u LD_LIBRARY_PATH PYTHONPATH=python $$v/bin/python -m pytest -q -p no:cacheprovider $(COMPAT_TESTS) || exit 1; \
	 done
endif

# A long fuzz run of the public Python API (the tests run a short one).
fuzz: lib venv
	env -u LD_LIBRARY_PATH SWIFTMOONS_FUZZ_EXAMPLES=$${SWIFTMOONS_FUZZ_EXAMPLES:-2000} \
	   $(PY) -m pytest python/tests/test_fuzz.py -q -s

clean:
	rm -rf .build .build-baseline .build-avx2 .build-avx512 $(VENV) .venv-floor .venv-newer $(CTEST) $(PKG)/libswiftmoons*.so*
