"""``python -m nnlearn``：转到命令行入口。"""

from nnlearn.cli import main

raise SystemExit(main())
