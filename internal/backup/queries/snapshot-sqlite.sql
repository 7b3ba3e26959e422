-- The snapshot is a consistent copy of the database as of one read
-- transaction, taken while other connections go on writing.
VACUUM INTO $1;
