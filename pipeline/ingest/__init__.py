"""Getting figures in: quarterly returns (read, checked, loaded with their provenance) and the
Department for Education's published statistics."""
