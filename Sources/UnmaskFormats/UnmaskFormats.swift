// UnmaskFormats: see README.md in this folder.
