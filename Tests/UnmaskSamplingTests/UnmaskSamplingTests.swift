// Tests for UnmaskSampling live in this folder.
