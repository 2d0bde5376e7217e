"""The office's settings, loaded once from baocao.toml into a frozen object; the files it ships."""
