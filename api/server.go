// Package api serves ducha's REST API (API.md) on Echo v4, with huma
// generating the OpenAPI document from the same Go types that parse the
// requests, so that the two cannot drift. It holds request and response
// types, the middleware (request ids, logs, metrics, authentication), and
// the one place where errors become RFC 9457 problems.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaecho"
	"github.com/hibiken/asynqmon"
	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// Deps are the use cases and parts the API serves.
type Deps struct {
	Log      *slog.Logger
	Store    *store.Store
	Queue    *jobs.Queue
	Authz    *policies.Authorizer
	Auth     *workflow.Auth
	Users    *workflow.Users
	Regions  *workflow.Regions
	Audit    *workflow.Audit
	Webhooks *workflow.Webhooks
	Registry *prometheus.Registry
	Version  string

	// Catalogue serves the indicator sets.
	Catalogue *workflow.Catalogue
	// Attachments serves /attachments; nil leaves those routes out.
	Attachments *workflow.Attachments

	Campaigns *workflow.Campaigns
	// The hotline's complaint cases and the working-day calendar.
	Complaints *workflow.Complaints
	Holidays   *workflow.Holidays
	// Results serves feedback letters, rectification and bulletins; nil
	// leaves those routes out.
	Results *workflow.Results
	// SelfChecks, Reviews and Scoring serve the self-check, the site review
	// and the scores.
	SelfChecks *workflow.SelfChecks
	Reviews    *workflow.Reviews
	Scoring    *workflow.Scoring
}

// Server is the HTTP API.
type Server struct {
	Deps
	echo *echo.Echo
	huma huma.API
}

var setHumaError sync.Once

// New builds the API.
func New(d Deps) *Server {
	// huma's error constructor is a package variable; every Server sets the same one.
	setHumaError.Do(func() { huma.NewError = newHumaError })
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Behind a proxy, trust its headers only once configured to; by default
	// the client address is the peer's, so X-Forwarded-For cannot dodge the
	// sign-in throttle.
	e.IPExtractor = echo.ExtractIPDirect()
	s := &Server{Deps: d, echo: e}
	e.HTTPErrorHandler = s.echoError
	e.Use(middleware.RequestID())
	e.Use(s.requestContext)
	e.Use(s.requestLog())
	e.Use(middleware.Recover())
	e.Use(echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace: "ducha", Registerer: d.Registry,
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" },
		// Label values must not come from the client: a series per unknown
		// path or per Host header would let anyone grow memory without bound.
		DoNotUseRequestPathFor404: true,
		LabelFuncs:                map[string]echoprometheus.LabelValueFunc{"host": func(echo.Context, error) string { return "" }},
	}))

	cfg := huma.DefaultConfig("ducha", d.Version)
	cfg.Info.Description = "Supervision inspections of floating-population family-planning work, and the rights-protection hotline. See API.md."
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.OpenAPIPath = "/openapi"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	s.huma = humaecho.New(e, cfg)
	s.huma.UseMiddleware(s.authenticate)

	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry})))
	if d.Queue != nil {
		dash := asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: redisOpt{d.Queue}})
		e.Any("/admin/queues*", echo.WrapHandler(dash), s.requireNationalAdmin)
	}
	s.routes()
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// OpenAPI returns the generated document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.huma.OpenAPI() }

// requestContext hands the request id to the use cases (for the audit log).
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		r := c.Request()
		ctx := context.WithValue(workflow.WithRequestID(r.Context(), id), remoteAddrKey{}, c.RealIP())
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

func (s *Server) requestLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogError: true, HandleError: false,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID), slog.String("remote_ip", v.RemoteIP)}
			if u, ok := c.Get(userKey).(store.User); ok {
				attrs = append(attrs, slog.String("user", u.Username))
			}
			s.Log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// echoError answers errors raised outside huma (unknown routes, methods,
// the dashboard's guard) as problems too.
func (s *Server) echoError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var p *Problem
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg, _ := he.Message.(string)
		p = &Problem{Type: problemType(codeOf(he.Code)), Title: http.StatusText(he.Code), Status: he.Code, Detail: msg}
	} else {
		p = toProblem(s.Log, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	_ = jsonEncode(c.Response(), p)
}

const userKey = "ducha.user"

type ctxKey struct{}

// perm is a route's permission, kept in the operation's metadata.
type perm struct{ Object, Action string }

// authenticate checks the bearer token of every operation that names a
// permission, and that the user's role holds it somewhere (the region scope
// is the use case's to check, once it knows the target's region).
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	p, ok := ctx.Operation().Metadata["perm"].(perm)
	if !ok {
		next(ctx)
		return
	}
	u, err := s.userFromHeader(ctx.Context(), ctx.Header("Authorization"))
	if err != nil {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="ducha"`)
		s.writeProblem(ctx, toProblem(s.Log, err))
		return
	}
	humaecho.Unwrap(ctx).Set(userKey, u)
	if p.Object != "" && !s.Authz.Allowed(u.Role, p.Object, p.Action, u.RegionCode, u.RegionCode) {
		s.writeProblem(ctx, toProblem(s.Log, domain.Errorf(domain.EForbidden, "role %s may not %s %s", u.Role, p.Action, p.Object)))
		return
	}
	next(huma.WithValue(ctx, ctxKey{}, u))
}

func (s *Server) userFromHeader(ctx context.Context, h string) (store.User, error) {
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return store.User{}, domain.Errorf(domain.EUnauthenticated, "missing bearer token")
	}
	return s.Auth.Authenticate(ctx, strings.TrimSpace(tok))
}

func (s *Server) writeProblem(ctx huma.Context, p *Problem) {
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_ = jsonEncode(ctx.BodyWriter(), p)
}

// requireNationalAdmin guards the queue dashboard. Browsers may send the
// token as the cookie ducha_token instead of a header.
func (s *Server) requireNationalAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		if h == "" {
			if ck, err := c.Cookie("ducha_token"); err == nil {
				h = "Bearer " + ck.Value
			}
		}
		u, err := s.userFromHeader(c.Request().Context(), h)
		if err != nil {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ducha"`)
			return err
		}
		if !s.Authz.Allowed(u.Role, "queues", "admin", u.RegionCode, domain.NationCode) {
			return domain.Errorf(domain.EForbidden, "the queue dashboard is for national admins")
		}
		return next(c)
	}
}

// user returns the authenticated caller of an operation.
func user(ctx context.Context) store.User {
	u, _ := ctx.Value(ctxKey{}).(store.User)
	return u
}

// actor returns the authenticated caller as an actor.
func actor(ctx context.Context) domain.Actor { return user(ctx).Actor() }

// register adds an operation whose handler errors become problems. A
// non-nil p makes the operation require a token and that permission.
func register[I, O any](s *Server, op huma.Operation, p *perm, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	if p != nil {
		op.Metadata["perm"] = *p
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	}
	op.Errors = append(op.Errors, http.StatusUnprocessableEntity)
	huma.Register(s.huma, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, toProblem(s.Log, err)
		}
		return out, nil
	})
}

// needs is shorthand for a route's permission.
func needs(object, action string) *perm { return &perm{Object: object, Action: action} }

// signedIn requires a token but no particular permission.
var signedIn = &perm{}

// redisOpt hands the queue's client to asynqmon.
type redisOpt struct{ q *jobs.Queue }

func (o redisOpt) MakeRedisClient() any { return o.q.Redis() }
