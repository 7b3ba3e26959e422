package backup

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// SnapshotSQLite writes a consistent copy of the SQLite database db to the
// new file dest (mode 0600). It runs while other connections and processes
// write: the copy is the database as of one read transaction, which in WAL
// mode blocks no writer.
func SnapshotSQLite(ctx context.Context, db *store.DB, dest string) error {
	if db.Dialect() != store.SQLite {
		return fmt.Errorf("backup: snapshot %s: not a SQLite database", dest)
	}
	query, err := db.Dialect().ReadQuery(queryFiles, "queries/snapshot")
	if err != nil {
		return fmt.Errorf("backup: snapshot %s: %w", dest, err)
	}
	if _, err := db.ExecContext(ctx, query, dest); err != nil {
		return fmt.Errorf("backup: snapshot %s: %w", dest, err)
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		return fmt.Errorf("backup: snapshot %s: %w", dest, err)
	}
	return nil
}

// Tables lists the tables of db's schema, so that a restore can refuse a
// database that already holds some.
func Tables(ctx context.Context, db *store.DB) ([]string, error) {
	query, err := db.Dialect().ReadQuery(queryFiles, "queries/tables")
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("backup: list tables: %w", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	return tables, nil
}

// postgresBinGlob is where Debian and Ubuntu install each PostgreSQL
// version's programs, none of them on PATH by default.
const postgresBinGlob = "/usr/lib/postgresql/*/bin"

// PostgresTool returns the path of the PostgreSQL client program name
// (pg_dump, pg_restore): the one on PATH, else that of the newest version
// under /usr/lib/postgresql, since a newer pg_dump reads older servers but
// not the reverse.
func PostgresTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob(postgresBinGlob)
	slices.SortFunc(dirs, func(a, b string) int {
		return majorVersion(a) - majorVersion(b)
	})
	for _, dir := range slices.Backward(dirs) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("backup: %s is neither on PATH nor under %s; install the PostgreSQL client programs of the server's version or newer", name, postgresBinGlob)
}

// majorVersion reads the version folder of /usr/lib/postgresql/VERSION/bin.
func majorVersion(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// DumpPostgres writes the PostgreSQL database of dsn to the new file dest
// with pg_dump in its custom format, which pg_dump takes from one
// consistent snapshot while the database is in use.
func DumpPostgres(ctx context.Context, dsn, dest string) error {
	pgDump, err := PostgresTool("pg_dump")
	if err != nil {
		return err
	}
	if err := runTool(ctx, pgDump, dsn, "--format=custom", "--no-owner", "--no-privileges", "--file="+dest); err != nil {
		return fmt.Errorf("backup: pg_dump: %w", err)
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		return fmt.Errorf("backup: pg_dump: %w", err)
	}
	return nil
}

// RestorePostgres loads the pg_dump file dump into the database of dsn in
// a single transaction, so that a failure leaves the database as it was.
// With replace it first drops the objects of the dump that the database
// already holds; without, the database should hold none.
func RestorePostgres(ctx context.Context, dsn, dump string, replace bool) error {
	pgRestore, err := PostgresTool("pg_restore")
	if err != nil {
		return err
	}
	args := []string{"--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"}
	if replace {
		args = append(args, "--clean", "--if-exists")
	}
	if err := runTool(ctx, pgRestore, dsn, append(args, dump)...); err != nil {
		return fmt.Errorf("backup: pg_restore: %w", err)
	}
	return nil
}

// runTool runs a PostgreSQL client program on the database of dsn. The
// password travels in PGPASSWORD rather than on the command line, where
// any user of the machine could read it.
func runTool(ctx context.Context, tool, dsn string, args ...string) error {
	env := os.Environ()
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
			dsn = u.String()
		}
	}
	cmd := exec.CommandContext(ctx, tool, append([]string{"--dbname=" + dsn}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		if msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
