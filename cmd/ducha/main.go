// Command ducha runs the inspection and hotline server.
//
//	ducha                       API and worker in one process (the default)
//	ducha serve                 the API only
//	ducha worker                the background worker only (outbox relay and tasks)
//	ducha migrate               apply database migrations and exit
//	ducha regions import DIR    load townships and villages (streets.csv, villages.csv.gz)
//
// Configuration comes from DUCHA_* environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/regions"
	"github.com/ducha/ducha/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ducha:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := app.LoadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := "all"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "all", "serve", "worker":
		return runServer(ctx, cfg, log, cmd)
	case "migrate":
		s, err := store.Open(ctx, cfg.DB, log)
		if err != nil {
			return err
		}
		defer s.Close()
		return s.Migrate(ctx)
	case "regions":
		if len(args) != 3 || args[1] != "import" {
			return errors.New("usage: ducha regions import DIR")
		}
		return importRegions(ctx, cfg, log, args[2])
	case "help", "-h", "--help":
		fmt.Println(strings.TrimSpace(usage))
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `
usage: ducha [all | serve | worker | migrate | regions import DIR]
  all       API and background worker in one process (default)
  serve     the API only
  worker    the background worker only
  migrate   apply database migrations and exit
  regions import DIR   load townships and villages from DIR/streets.csv and DIR/villages.csv.gz
`

func newLogger(cfg app.Config) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func runServer(ctx context.Context, cfg app.Config, log *slog.Logger, mode string) error {
	start := time.Now()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	if mode != "serve" {
		if err := a.StartWorker(); err != nil {
			a.Close()
			return err
		}
	}
	serveErr := make(chan error, 1)
	if mode != "worker" {
		if err := a.Listen(); err != nil {
			a.Shutdown(context.Background())
			return err
		}
		go func() { serveErr <- a.Serve() }()
	}
	log.Info("ducha started", "mode", mode, "startup", time.Since(start).Round(time.Millisecond), "db", a.Store.Dialect(), "redis", a.Queue.Addr())
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-serveErr:
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	return errors.Join(err, a.Shutdown(sctx))
}

func importRegions(ctx context.Context, cfg app.Config, log *slog.Logger, dir string) error {
	s, err := store.Open(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	n, err := s.ImportRegions(ctx, regions.ReadDir(dir), 1000)
	if err != nil {
		return fmt.Errorf("after %d regions: %w", n, err)
	}
	log.Info("regions imported", "rows", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
