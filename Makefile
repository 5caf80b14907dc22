# swiftmoons: the two commands of the README are `make demo` and `make test`.
# Each does all set-up it needs: the native library, a virtualenv, the package.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
LIB    := .build/release/libswiftmoons.so
CTEST  := Tests/c/sm_c_test

.PHONY: demo test bench lib venv swift-test c-test linkage-test py-test clean

# The main job: the article's experiment, reproduced.
demo: lib venv
	$(PY) -m swiftmoons

# Every test: Swift, C, the library's linkage, Python.
test: lib venv swift-test c-test linkage-test py-test

# The benchmark: swiftmoons against its NumPy reference (about two minutes).
bench: lib venv
	$(PY) benchmarks/bench.py

# The shared library, with the Swift runtime linked in statically so it loads
# without a toolchain; a copy goes into the Python package.
lib:
	swift build -c release --product swiftmoons -Xswiftc -static-stdlib
	cp $(LIB) python/swiftmoons/libswiftmoons.so

$(VENV)/.installed: python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e "python[test,plot]"
	touch $@

venv: $(VENV)/.installed

swift-test:
	swift test

$(CTEST): Tests/c/test_capi.c include/swiftmoons.h $(LIB)
	cc -std=c11 -Wall -Wextra -Werror -Iinclude $< -L.build/release -lswiftmoons \
	   -Wl,-rpath,'$$ORIGIN/../../.build/release' -lm -o $@

c-test: lib $(CTEST)
	./$(CTEST)

# The library must not need libswift*.so at run time.
linkage-test: lib
	@if ldd $(LIB) | grep -q libswift; then \
	   echo "FAIL: $(LIB) links Swift runtime libraries dynamically:"; ldd $(LIB); exit 1; \
	 else echo "linkage: $(LIB) needs no Swift runtime libraries"; fi

py-test: lib venv
	env -u LD_LIBRARY_PATH $(PY) -m pytest python/tests -q

clean:
	rm -rf .build $(VENV) $(CTEST) python/swiftmoons/libswiftmoons.so
