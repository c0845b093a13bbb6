"""``python -m ledger.cli …`` (the projector child process is started so)."""

import sys

from ledger.cli import main

sys.exit(main())
