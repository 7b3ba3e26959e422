// Package cookiedb reads a cookie database in the Open Cookie Database's
// CSV format and looks cookies and storage keys up in it, wildcard
// entries by prefix.
//
// Noren ships no copy of the database. The Open Cookie Database is
// published under the Apache License 2.0 at
// https://github.com/jkwakman/Open-Cookie-Database; download its
// open-cookie-database.csv and pass the file to `noren scan --cookie-db`.
// Any CSV with the same header works, its columns in any order.
package cookiedb
