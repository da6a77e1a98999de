from landseg.cli import main

main()
