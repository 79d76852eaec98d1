// Command ferretdb-launcher runs an embedded FerretDB 1.x for Countersign's tests and benchmarks,
// over its SQLite backend (a data directory) or its PostgreSQL one (a PostgreSQL server).
//
// It embeds FerretDB through its public `ferretdb` package instead of building FerretDB's own
// `cmd/ferretdb`: built from the module proxy, that binary panics at start because the module
// lacks its generated build/version/version.txt.
//
// Usage:
//
//	ferretdb-launcher -listen 127.0.0.1:27017 -dir /tmp/data [-log-level warn] [-watch-stdin]
//	ferretdb-launcher -listen 127.0.0.1:27017 -postgresql-url postgres://user@/ferretdb?host=/tmp/pg [...]
//
// Once the listener is bound it prints one line, `ready <addr>`, on standard output. It stops
// cleanly on SIGTERM or SIGINT (and, with -watch-stdin, when its standard input closes, so it
// cannot outlive a parent that died without signalling it). On a start-up error it prints the
// error on standard error and exits with status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-launcher: %s\n", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite data files (created if missing)")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL connection string: use the PostgreSQL backend instead of SQLite")
	logLevel := flag.String("log-level", "warn", "FerretDB log level: debug, info, warn or error")
	watchStdin := flag.Bool("watch-stdin", false, "stop when standard input reaches end of file")
	flag.Parse()

	if (*dir == "") == (*postgresqlURL == "") {
		return errors.New("exactly one of -dir (SQLite) and -postgresql-url (PostgreSQL) is required")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}

	config := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	if *postgresqlURL != "" {
		config.Handler = "postgresql"
		config.PostgreSQLURL = *postgresqlURL
	} else {
		sqliteURL, err := sqliteDir(*dir)
		if err != nil {
			return err
		}
		config.Handler = "sqlite"
		config.SQLiteURL = sqliteURL
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// ferretdb.New has bound the listener already; MongoDBURI reads its actual address.
	u, err := url.Parse(f.MongoDBURI())
	if err != nil {
		stop()
		<-done
		return err
	}
	fmt.Printf("ready %s\n", u.Host)

	return <-done
}

// sqliteDir creates the SQLite data directory if missing and answers its URI for FerretDB.
func sqliteDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err = os.MkdirAll(abs, 0o700); err != nil {
		return "", err
	}
	// file:///abs/dir/ — FerretDB requires the "file" scheme, no host, and a trailing slash.
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}).String(), nil
}
