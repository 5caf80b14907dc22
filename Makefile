# swiftmoons: the two commands of the README are `make demo` and `make test`.
# Each does all set-up it needs: the native library, a virtualenv, the package.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
LIB    := .build/release/libswiftmoons.so
# The same library compiled for AVX-512 (F, CD, BW, DQ, VL): the Python
# package loads it instead where the processor has those instructions.
LIB512 := .build-avx512/release/libswiftmoons.so
CTEST  := Tests/c/sm_c_test
# Whether this processor can run the AVX-512 build (as Linux reports it).
HAS_AVX512 := $(shell for f in avx512f avx512cd avx512bw avx512dq avx512vl; do \
                grep -qw $$f /proc/cpuinfo 2>/dev/null || { echo no; exit; }; done; echo yes)

.PHONY: demo test bench lib venv swift-test c-test memcheck-test linkage-test py-test fuzz clean

# The main job: the article's experiment, reproduced.
demo: lib venv
	$(PY) -m swiftmoons

# Every test: Swift, C (also under valgrind), the library's linkage, Python
# (with a bounded fuzz run; `make fuzz` runs a long one).
test: lib venv swift-test c-test memcheck-test linkage-test py-test

# The benchmark: swiftmoons against its NumPy reference (about two minutes).
bench: lib venv
	$(PY) benchmarks/bench.py

# The shared library, with the Swift runtime linked in statically so it loads
# without a toolchain; a copy goes into the Python package (renamed into
# place, so that a running process that has the old one loaded is unharmed).
lib:
	swift build -c release --product swiftmoons -Xswiftc -static-stdlib
	cp $(LIB) python/swiftmoons/libswiftmoons.so.new && mv -f python/swiftmoons/libswiftmoons.so.new python/swiftmoons/libswiftmoons.so
	swift build -c release --product swiftmoons -Xswiftc -static-stdlib --scratch-path .build-avx512 \
	   -Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xswiftc -DSWIFTMOONS_AVX512
	cp $(LIB512) python/swiftmoons/libswiftmoons_avx512.so.new && \
	   mv -f python/swiftmoons/libswiftmoons_avx512.so.new python/swiftmoons/libswiftmoons_avx512.so

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
	SM_EXPECT_VARIANT=avx2 ./$(CTEST)
ifeq ($(HAS_AVX512),yes)
	LD_LIBRARY_PATH=$(dir $(LIB512)) SM_EXPECT_VARIANT=avx512 ./$(CTEST)
else
	@echo "c-test: this processor lacks AVX-512; the AVX-512 build was not run"
endif

# The C test under valgrind: no invalid read or write, no leak. valgrind is
# installed with apt where it is missing and this runs as root (as CI does).
memcheck-test: lib $(CTEST)
	@command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	   (apt-get update -qq && apt-get install -y -qq valgrind >/dev/null); } || true
	@if command -v valgrind >/dev/null; then \
	   valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite ./$(CTEST) && \
	   echo "memcheck: the C test is clean under valgrind"; \
	 else echo "memcheck: valgrind is not installed; skipped"; fi

# The library must not need libswift*.so at run time.
linkage-test: lib
	@for f in $(LIB) $(LIB512); do \
	   if ldd $$f | grep -q libswift; then \
	     echo "FAIL: $$f links Swift runtime libraries dynamically:"; ldd $$f; exit 1; \
	   else echo "linkage: $$f needs no Swift runtime libraries"; fi; done

py-test: lib venv
	env -u LD_LIBRARY_PATH $(PY) -m pytest python/tests -q

# A long fuzz run of the public Python API (the tests run a short one).
fuzz: lib venv
	env -u LD_LIBRARY_PATH SWIFTMOONS_FUZZ_EXAMPLES=$${SWIFTMOONS_FUZZ_EXAMPLES:-2000} \
	   $(PY) -m pytest python/tests/test_fuzz.py -q -s

clean:
	rm -rf .build .build-avx512 $(VENV) $(CTEST) python/swiftmoons/libswiftmoons*.so
