from kubectl_meshify.cli import main

if __name__ == "__main__":
    main()
