// UnmaskModels: see README.md in this folder.
