# nnlearn：两个命令。
#   make serve  从干净的克隆开始装好一切，在 http://127.0.0.1:8000 打开站点（改文档、源码会自动重建）
#   make test   装好一切，运行全部检查：ruff、mkdocs build --strict、单元/文档/笔记本测试、真实浏览器测试
#   make offline  只构建离线归档（.cache/offline/nnlearn-offline.zip，解压后从磁盘打开就能读、能搜索）
# 站点也带着 nnlearn 的 wheel 和 sdist（downloads/，hooks/downloads.py 用 python -m build 打包，有缓存）；
# 首页的安装命令用 site_url：本地默认 http://127.0.0.1:8000/，别的地址用 NNLEARN_SITE_URL=… 设置。
# 两个命令都可以重复运行：已经装好的部分会跳过（靠下面的时间戳文件判断）。

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
SITE_DIR := site
OFFLINE_DIR := .cache/offline/nnlearn-offline
ARCHIVE := .cache/offline/nnlearn-offline.zip
HOST := 127.0.0.1:8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup serve build offline test lint clean system-fonts system-chromium system-node

help:
	@echo "make serve   装好依赖并在 http://$(HOST) 打开站点"
	@echo "make test    装好依赖并运行全部测试（含 mkdocs build --strict 和浏览器测试）"
	@echo "make build   只构建站点到 $(SITE_DIR)/（先打好离线归档，站点的首页链接它）"
	@echo "make offline 只构建离线归档 $(ARCHIVE)"
	@echo "make clean   删除构建产物与缓存（不删 .venv 和 node_modules）"

# ---- 系统包（Debian/Ubuntu）：只在缺少时安装 ----------------------------------------
system-fonts:
	@if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  echo "安装中文字体 fonts-noto-cjk（图里的中文要用）"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-noto-cjk; \
	  rm -f "$${XDG_CACHE_HOME:-$$HOME/.cache}"/matplotlib/fontlist-*.json; \
	fi

system-chromium:
	@if [ ! -x /usr/bin/chromium ] && [ -z "$${NNLEARN_CHROMIUM:-}" ]; then \
	  echo "安装 Debian 的 chromium（浏览器测试用；从不运行 playwright install）"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

system-node:
	@if ! command -v npm >/dev/null; then \
	  echo "安装 npm（KaTeX 从 npm 锁定版本安装）"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; \
	fi

# ---- Python 与 npm 依赖：按锁文件安装，锁文件或 pyproject 变了才重装 -------------------
$(PIP_STAMP): pyproject.toml requirements.lock
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[docs,test]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json | system-node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: system-fonts $(PIP_STAMP) $(NPM_STAMP)

# ---- 两个主命令 ----------------------------------------------------------------------
serve: setup | $(ARCHIVE)
	$(BIN)/mkdocs serve -a $(HOST)

# 离线归档：第二份配置继承 mkdocs.yml，图和笔记本的缓存两次构建共用，所以第二次很快。
define build-archive
	$(BIN)/mkdocs build --strict -f mkdocs-offline.yml -d $(OFFLINE_DIR)
	rm -f $(ARCHIVE)
	cd $(dir $(OFFLINE_DIR)) && $(abspath $(BIN))/python -m zipfile -c $(abspath $(ARCHIVE)) $(notdir $(OFFLINE_DIR))/
endef

offline: setup
	$(build-archive)

# 首页链接离线归档：make serve 在还没有归档时先打一份，站点上就没有失效的链接
# （之后不再自动重打，免得每次 serve 都多等一次构建；make offline / make test 会更新它）。
$(ARCHIVE): | setup
	$(build-archive)

build: setup offline
	$(BIN)/mkdocs build --strict -d $(SITE_DIR)

lint: $(PIP_STAMP)
	$(BIN)/ruff check .

# pytest 退出码 5 = 一个测试也没收集到：同样算失败，并说清楚。
test: setup system-chromium lint build
	NNLEARN_SITE_DIR=$(SITE_DIR) NNLEARN_OFFLINE_ARCHIVE=$(ARCHIVE) $(BIN)/python -m pytest || { rc=$$?; \
	  if [ $$rc = 5 ]; then echo "pytest 没有收集到任何测试（退出码 5）" >&2; fi; exit $$rc; }

clean:
	rm -rf $(SITE_DIR) .cache test-artifacts .pytest_cache
