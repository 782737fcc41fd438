from selfeval.cli import main

raise SystemExit(main())
