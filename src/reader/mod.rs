//! File reader: SELECT / READ BINARY engine (chunking, extended length, Le step-down).
