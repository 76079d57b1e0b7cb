import sys

from jpegzoo.cli import main

sys.exit(main())
