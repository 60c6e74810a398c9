package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// Version is set at build time with -ldflags "-X github.com/ducha/ducha/app.Version=…".
var Version = "dev"

// Options are what tests and tools change beyond Config.
type Options struct {
	Clock workflow.Clock
	// Hashing overrides the argon2id cost (tests use a cheap one).
	Hashing *argon2id.Params
}

// App is one ducha process: it may serve the API, run the worker, or both.
type App struct {
	Config   Config
	Log      *slog.Logger
	Store    *store.Store
	Queue    *jobs.Queue
	Authz    *policies.Authorizer
	Registry *prometheus.Registry
	Clock    workflow.Clock
	API      *api.Server

	Auth    *workflow.Auth
	Users   *workflow.Users
	Regions *workflow.Regions
	Audit   *workflow.Audit

	// Catalogue is the indicator sets.
	Catalogue   *workflow.Catalogue
	Blobs       *blobs.Disk
	Attachments *workflow.Attachments
	// Webhooks manages subscriptions and delivers notices (workflow.Notify).
	Webhooks *workflow.Webhooks

	Campaigns  *workflow.Campaigns
	Complaints *workflow.Complaints
	Holidays   *workflow.Holidays
	// Results issues feedback letters and bulletins and runs rectification.
	Results *workflow.Results
	// Scoring scores inspections and batches (the contract feedback letters
	// and bulletins build on).
	Scoring *workflow.Scoring
	// SelfChecks and Reviews record the self-check and the site review;
	// their checks guard submit_self_check and complete_review.
	SelfChecks *workflow.SelfChecks
	Reviews    *workflow.Reviews

	jobMetrics *jobs.Metrics
	worker     *jobs.Worker
	relayStop  context.CancelFunc
	relayDone  chan struct{}
	httpSrv    *http.Server
	listener   net.Listener
}

// New opens the database (migrating it), the queue, and builds the use cases
// and the API. It creates the first admin on an empty database.
func New(ctx context.Context, cfg Config, log *slog.Logger, opt Options) (*App, error) {
	if opt.Clock == nil {
		opt.Clock = workflow.SystemClock{}
	}
	a := &App{Config: cfg, Log: log, Clock: opt.Clock, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if a.Store, err = store.Open(ctx, cfg.DB, log); err != nil {
		return nil, err
	}
	if err = a.Store.Migrate(ctx); err != nil {
		a.Store.Close()
		return nil, err
	}
	if a.Queue, err = jobs.OpenQueue(jobs.Config{Redis: cfg.Redis, RedisDB: cfg.RedisDB, Queue: cfg.Queue,
		Concurrency: cfg.Workers}, log); err != nil {
		a.Store.Close()
		return nil, err
	}
	if a.Authz, err = policies.New(); err != nil {
		a.Close()
		return nil, err
	}
	deps := workflow.Deps{Store: a.Store, Authz: a.Authz, Clock: opt.Clock, Log: log}
	if a.Auth, err = workflow.NewAuth(deps, workflow.AuthConfig{Secret: cfg.TokenSecret, TokenTTL: cfg.TokenTTL,
		Hashing: opt.Hashing,
		// Failed sign-ins are counted in Redis so that replicas share one limit.
		Throttle: workflow.ThrottleConfig{Shared: workflow.NewRedisFailures(a.Queue.Redis(), a.Queue.Name())}}); err != nil {
		a.Close()
		return nil, err
	}
	a.Users = workflow.NewUsers(deps, a.Auth)
	a.Regions = &workflow.Regions{Deps: deps}
	a.Audit = &workflow.Audit{Deps: deps}
	a.Catalogue = &workflow.Catalogue{Deps: deps}
	if a.Blobs, err = blobs.NewDisk(cfg.Files); err != nil {
		a.Close()
		return nil, err
	}
	a.Attachments = workflow.NewAttachments(deps, a.Blobs,
		workflow.AttachmentConfig{MaxSize: cfg.MaxUpload, SpoolDir: a.Blobs.TempDir()})
	// One sealer (DUCHA_ENCRYPTION_KEY, or the key kept in the settings)
	// for complainants' personal data and webhook secrets.
	sealer, err := workflow.LoadSealer(deps, cfg.EncryptionKey)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Webhooks = workflow.NewWebhooks(deps, workflow.WebhookConfig{Timeout: cfg.WebhookTimeout,
		MaxAttempts: cfg.WebhookMaxAttempts, Sealer: sealer})
	a.Campaigns = workflow.NewCampaigns(deps, workflow.CampaignsConfig{})
	if err := a.initComplaints(ctx, deps, sealer); err != nil {
		a.Close()
		return nil, err
	}
	// The one-vote veto counts the hotline's substantiated vicious cases and
	// three-prohibition violations accusing the inspected region.
	a.Scoring = &workflow.Scoring{Deps: deps, VetoCases: workflow.HotlineVetoCases}
	a.SelfChecks = &workflow.SelfChecks{Deps: deps}
	a.Reviews = &workflow.Reviews{Deps: deps}
	a.Campaigns.Checks.AllIndicatorsAnswered = a.SelfChecks.CheckAnswered
	a.Campaigns.Checks.AllIndicatorsRated = a.Reviews.CheckRated
	a.Results = workflow.NewResults(deps, workflow.ResultsConfig{}, a.Scoring)
	a.Results.Hook(a.Campaigns)

	generated, err := a.Auth.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("first admin: %w", err)
	}
	if generated != "" {
		log.Warn("created the first user 'admin' with a generated password; it is shown only this once", "password", generated)
	}
	a.jobMetrics = jobs.NewMetrics(a.Registry)
	a.API = api.New(api.Deps{Log: log, Store: a.Store, Queue: a.Queue, Authz: a.Authz, Auth: a.Auth,
		Users: a.Users, Regions: a.Regions, Audit: a.Audit, Registry: a.Registry, Version: Version,
		Catalogue: a.Catalogue, Attachments: a.Attachments, Webhooks: a.Webhooks,
		Campaigns: a.Campaigns, Complaints: a.Complaints, Holidays: a.Holidays, Results: a.Results,
		SelfChecks: a.SelfChecks, Reviews: a.Reviews, Scoring: a.Scoring})
	return a, nil
}

// handlers lists every background task type and its handler.
func (a *App) handlers() jobs.Handlers {
	return jobs.Handlers{
		TypePing: a.handlePing,

		workflow.TypeDeadlineReminder:  a.Campaigns.HandleDeadlineTask,
		workflow.TypeDeadlineOverdue:   a.Campaigns.HandleDeadlineTask,
		workflow.TypeComplaintReminder: a.Complaints.HandleReminder,
		workflow.TypeComplaintEscalate: a.Complaints.HandleEscalate,
		workflow.TypeComplaintReplan:   a.Complaints.HandleReplan,

		workflow.TypeIssueFeedback:        a.Results.HandleFeedbackTask,
		workflow.TypePublishBulletin:      a.Results.HandleBulletinTask,
		workflow.TypeRectificationOverdue: a.Results.HandleOverdueTask,
	}
}

// StartWorker starts the outbox relay and the task worker.
func (a *App) StartWorker() error {
	a.worker = jobs.NewWorker(a.Queue, a.Store, a.Clock, a.Log, a.handlers(), a.jobMetrics).WithCalls(a.calls())
	if err := a.worker.Start(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.relayStop, a.relayDone = cancel, make(chan struct{})
	relay := jobs.NewRelay(a.Queue, a.Store, a.Clock, a.Log)
	go func() {
		defer close(a.relayDone)
		a.runRelayAndSweeper(ctx, relay)
	}()
	return nil
}

// Listen binds the HTTP address (":0" picks a free port, for tests).
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
	}
	a.listener = l
	a.httpSrv = &http.Server{Handler: a.API.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	return nil
}

// URL is the base URL of the bound listener.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Serve answers HTTP until Shutdown; it returns nil after a clean shutdown.
func (a *App) Serve() error {
	a.Log.Info("listening", "addr", a.listener.Addr().String())
	if err := a.httpSrv.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops in order: stop taking requests and drain those in flight,
// stop the relay, let running tasks finish, then close the queue and the
// database.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.httpSrv != nil {
		if err := a.httpSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
	}
	if a.relayStop != nil {
		a.relayStop()
		<-a.relayDone
	}
	if a.worker != nil {
		a.worker.Stop()
	}
	if err := a.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close closes the queue and the database without draining anything.
func (a *App) Close() error {
	var errs []error
	if a.Queue != nil {
		errs = append(errs, a.Queue.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}
