package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

func (s *Server) routes() {
	s.healthRoutes()
	s.authRoutes()
	s.userRoutes()
	s.regionRoutes()
	s.auditRoutes()
	s.workflowRoutes()
	s.catalogueRoutes()
	if s.Attachments != nil {
		s.attachmentRoutes()
	}
	s.webhookRoutes()
	s.campaignRoutes()
	s.complaintRoutes()
	s.holidayRoutes()
	if s.Results != nil {
		s.resultRoutes()
	}
	if s.SelfChecks != nil {
		s.selfCheckRoutes()
	}
}

// List is one page of a listing.
type List[T any] struct {
	Items []T `json:"items" nullable:"false"`
	// Next is the cursor of the next page; null on the last page.
	Next *string `json:"next"`
}

func listOf[T any](p workflow.Paged[T]) List[T] {
	l := List[T]{Items: p.Items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if p.Next != "" {
		n := p.Next
		l.Next = &n
	}
	return l
}

// PageParams are the paging query parameters of every listing. API.md
// names the cursor `next` in responses without naming the query parameter,
// so a client may send the value back as ?cursor= or as ?next=.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size, at most 500."`
	Cursor string `query:"cursor" doc:"The next value of the previous page."`
	Next   string `query:"next" doc:"Same as cursor (the name the response gives it)."`
}

func (p PageParams) page() workflow.Page {
	c := p.Cursor
	if c == "" {
		c = p.Next
	}
	return workflow.Page{Limit: p.Limit, Cursor: c}
}

type body[T any] struct{ Body T }

// --- health ---

type healthOut struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) healthRoutes() {
	register(s, huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "The process is up", Tags: []string{"health"}}, nil,
		func(ctx context.Context, _ *struct{}) (*body[healthOut], error) {
			return &body[healthOut]{healthOut{Status: "ok"}}, nil
		})
	register(s, huma.Operation{OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "The database and the queue answer", Tags: []string{"health"}, Errors: []int{503}}, nil,
		func(ctx context.Context, _ *struct{}) (*body[healthOut], error) {
			checks := map[string]string{"database": "ok", "queue": "ok"}
			bad := false
			// The causes name hosts and files: they go to the log, not to
			// the unauthenticated caller.
			if err := s.Store.Ping(ctx); err != nil {
				s.Log.Warn("not ready", "check", "database", "err", err)
				checks["database"], bad = "unavailable", true
			}
			if s.Queue != nil {
				if err := s.Queue.Ping(ctx); err != nil {
					s.Log.Warn("not ready", "check", "queue", "err", err)
					checks["queue"], bad = "unavailable", true
				}
			}
			if bad {
				return nil, &domain.Error{Code: domain.EUnavailable, Message: "not ready", Extra: map[string]any{"checks": checks}}
			}
			return &body[healthOut]{healthOut{Status: "ok", Checks: checks}}, nil
		})
}

// --- auth ---

type loginIn struct {
	Body struct {
		Username string `json:"username" minLength:"1" maxLength:"64"`
		Password string `json:"password" minLength:"1" maxLength:"256"`
	}
}

// UserOut is a user as the API shows it.
type UserOut struct {
	ID         int64       `json:"id"`
	Username   string      `json:"username"`
	Role       domain.Role `json:"role"`
	RegionCode string      `json:"region_code"`
	Disabled   bool        `json:"disabled"`
	CreatedAt  time.Time   `json:"created_at"`
}

func userOut(u store.User) UserOut {
	return UserOut{ID: u.ID, Username: u.Username, Role: u.Role, RegionCode: u.RegionCode, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

type loginOut struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      UserOut   `json:"user"`
}

type passwordIn struct {
	Body struct {
		OldPassword string `json:"old_password" minLength:"1" maxLength:"256"`
		NewPassword string `json:"new_password" minLength:"1" maxLength:"256"`
	}
}

func (s *Server) authRoutes() {
	register(s, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login",
		Summary: "Sign in", Description: "Failed attempts are throttled per username and per client address (429).",
		Tags: []string{"auth"}, Errors: []int{401, 429}}, nil,
		func(ctx context.Context, in *loginIn) (*body[loginOut], error) {
			sess, err := s.Auth.Login(ctx, in.Body.Username, in.Body.Password, remoteAddr(ctx))
			if err != nil {
				return nil, err
			}
			return &body[loginOut]{loginOut{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: userOut(sess.User)}}, nil
		})
	register(s, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout",
		Summary: "Sign out", Description: "Revokes every token of the caller issued so far.", Tags: []string{"auth"},
		DefaultStatus: http.StatusNoContent}, signedIn,
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, s.Auth.Logout(ctx, user(ctx))
		})
	register(s, huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/api/v1/auth/password",
		Summary: "Change the caller's password", Description: "Revokes every earlier token; sign in again.",
		Tags: []string{"auth"}, DefaultStatus: http.StatusNoContent}, signedIn,
		func(ctx context.Context, in *passwordIn) (*struct{}, error) {
			return nil, s.Auth.ChangePassword(ctx, user(ctx), in.Body.OldPassword, in.Body.NewPassword)
		})
}

type remoteAddrKey struct{}

func remoteAddr(ctx context.Context) string {
	a, _ := ctx.Value(remoteAddrKey{}).(string)
	return a
}

// --- users ---

type meOut struct {
	UserOut
	Level       domain.Level `json:"level"`
	Permissions []string     `json:"permissions"`
}

type createUserIn struct {
	Body struct {
		Username   string      `json:"username" maxLength:"64"`
		Password   string      `json:"password" maxLength:"256"`
		Role       domain.Role `json:"role" enum:"national_admin,national_inspector,province_coordinator,prefecture_officer,county_officer,township_officer,village_officer,hotline_operator,viewer"`
		RegionCode string      `json:"region_code" maxLength:"12"`
	}
}

func (s *Server) userRoutes() {
	register(s, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/api/v1/me",
		Summary: "The caller: username, role, region", Tags: []string{"users"}}, needs("me", "read"),
		func(ctx context.Context, _ *struct{}) (*body[meOut], error) {
			u := user(ctx)
			lv, _ := domain.LevelOfCode(u.RegionCode)
			out := meOut{UserOut: userOut(u), Level: lv, Permissions: []string{}}
			for _, g := range s.Authz.Grants(u.Role) {
				out.Permissions = append(out.Permissions, g[0]+":"+g[1]+"@"+g[2])
			}
			return &body[meOut]{out}, nil
		})
	register(s, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users",
		Summary: "Create a user", Description: "Only at or below the caller's level, inside the caller's subtree.",
		Tags: []string{"users"}, DefaultStatus: http.StatusCreated, Errors: []int{409}}, needs("users", "create"),
		func(ctx context.Context, in *createUserIn) (*body[UserOut], error) {
			u, err := s.Users.Create(ctx, actor(ctx), workflow.NewUser{Username: in.Body.Username,
				Password: in.Body.Password, Role: in.Body.Role, RegionCode: in.Body.RegionCode})
			if err != nil {
				return nil, err
			}
			return &body[UserOut]{userOut(u)}, nil
		})
	register(s, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users",
		Summary: "Users in the caller's subtree", Tags: []string{"users"}}, needs("users", "read"),
		func(ctx context.Context, in *PageParams) (*body[List[UserOut]], error) {
			p, err := s.Users.List(ctx, actor(ctx), in.page())
			if err != nil {
				return nil, err
			}
			out := List[UserOut]{Items: make([]UserOut, len(p.Items))}
			for i, u := range p.Items {
				out.Items[i] = userOut(u)
			}
			if p.Next != "" {
				out.Next = &p.Next
			}
			return &body[List[UserOut]]{out}, nil
		})
}

// --- regions ---

type regionsIn struct {
	PageParams
	Parent string `query:"parent" default:"0" doc:"List the children of this region; 0 is the nation."`
}

type regionIn struct {
	Code string `path:"code" maxLength:"12"`
}

func (s *Server) regionRoutes() {
	register(s, huma.Operation{OperationID: "list-regions", Method: http.MethodGet, Path: "/api/v1/regions",
		Summary: "Children of a region", Tags: []string{"regions"}}, needs("regions", "read"),
		func(ctx context.Context, in *regionsIn) (*body[List[domain.Region]], error) {
			p, err := s.Regions.Children(ctx, in.Parent, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[domain.Region]]{listOf(p)}, nil
		})
	register(s, huma.Operation{OperationID: "get-region", Method: http.MethodGet, Path: "/api/v1/regions/{code}",
		Summary: "One region", Tags: []string{"regions"}, Errors: []int{404}}, needs("regions", "read"),
		func(ctx context.Context, in *regionIn) (*body[domain.Region], error) {
			r, err := s.Regions.Get(ctx, in.Code)
			if err != nil {
				return nil, err
			}
			return &body[domain.Region]{r}, nil
		})
}

// --- audit ---

type auditIn struct {
	PageParams
	Entity string `query:"entity" maxLength:"32" doc:"e.g. user, campaign, batch, inspection, complaint"`
	ID     string `query:"id" maxLength:"64" doc:"The entity's id."`
}

func (s *Server) auditRoutes() {
	register(s, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit",
		Summary: "Who did what, when, from which state to which, and why", Tags: []string{"audit"}},
		needs("audit", "read"),
		func(ctx context.Context, in *auditIn) (*body[List[store.AuditEntry]], error) {
			p, err := s.Audit.List(ctx, actor(ctx), store.AuditFilter{Entity: in.Entity, EntityID: in.ID},
				in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[store.AuditEntry]]{listOf(p)}, nil
		})
}
