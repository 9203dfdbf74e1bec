"""Provider clients: one package per data source, each split into client (I/O) and parse (pure)."""
