// UnmaskTokenizer: see README.md in this folder.
