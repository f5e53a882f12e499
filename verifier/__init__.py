"""One verification engine for every relying party, and the relying parties themselves."""
