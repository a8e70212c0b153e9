#!/usr/bin/env bash
# 新机器上的入口：只假定有 Python 3.11、Node 20 和 apt。缺 make 就先装上，然后交给 Makefile。
#   bash dev.sh serve   装好一切，在 http://127.0.0.1:8000 打开站点
#   bash dev.sh test    装好一切，运行全部测试
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v make >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "安装 make（apt）"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq make
fi
exec make "${@:-help}"
