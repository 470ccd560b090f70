from ged.cli import main

main()
