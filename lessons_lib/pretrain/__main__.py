"""``python -m lessons_lib.pretrain``: see ``lessons_lib.pretrain``."""

from lessons_lib.pretrain import main

raise SystemExit(main())
