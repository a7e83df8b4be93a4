from callscript.cli.main import main

main()
