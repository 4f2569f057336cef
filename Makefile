# Two commands do all set-up on a fresh machine:
#   make run    create the environment, provision models, index the default corpus, start the chat
#   make test   whatever set-up is missing, then the whole test suite
# Every step is skipped when its output is already there and valid.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .stamps
# llama.cpp build: no multimodal library (a quarter of the build, unused here);
# explicit instruction sets instead of -march=native, whose AMX code faults on
# the virtual CPUs here (general protection fault in libggml-cpu on first eval).
# AVX-512 where the CPU has it: prompt processing 1.46x faster than AVX2 here.
HAS_AVX512 := $(shell grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo && echo ON || echo OFF)
HAS_VBMI   := $(shell grep -qw avx512vbmi /proc/cpuinfo 2>/dev/null && echo $(HAS_AVX512) || echo OFF)
HAS_BF16   := $(shell grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null && echo $(HAS_AVX512) || echo OFF)
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
  -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=$(HAS_AVX512) -DGGML_AVX512_VNNI=$(HAS_AVX512) \
  -DGGML_AVX512_VBMI=$(HAS_VBMI) -DGGML_AVX512_BF16=$(HAS_BF16)
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run serve test setup models index browser bench eval clean print-cmake-args

run: index
	$(BIN)/rag ui

# the chat and the HTTP API in one process (README: The service)
serve: index
	$(BIN)/rag serve

test: models browser
	$(BIN)/python -m pytest

setup: $(STAMPS)/deps

# torch 2.13.0 (CPU, a local wheel) must be in place before anything asks for torch.
$(STAMPS)/deps: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@mkdir -p $(STAMPS) && touch $@

models: $(STAMPS)/deps
	$(BIN)/rag models

index: models
	$(BIN)/rag index

# Debian's Chromium for the real-browser test (playwright's own download is not
# reachable), and a CJK font so Chinese renders in its screenshots.
browser:
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/noto || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else echo "need Debian packages: sudo apt-get install chromium chromium-driver fonts-noto-cjk" >&2; exit 1; fi; }

bench: index
	$(BIN)/rag bench

eval: index
	$(BIN)/rag eval

print-cmake-args:
	@echo $(CMAKE_ARGS)

clean:
	rm -rf $(VENV) $(STAMPS) index/*/ index/CURRENT
