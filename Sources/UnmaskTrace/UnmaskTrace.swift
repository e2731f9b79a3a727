// UnmaskTrace: see README.md in this folder.
