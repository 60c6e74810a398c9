package workflow

import (
	"context"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Users manages accounts.
type Users struct {
	Deps
	auth *Auth
}

// NewUsers returns the user use cases.
func NewUsers(d Deps, auth *Auth) *Users { return &Users{Deps: d, auth: auth} }

// NewUser is a request to create an account.
type NewUser struct {
	Username   string
	Password   string
	Role       domain.Role
	RegionCode string
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$`)

func checkPassword(v *domain.Validation, loc, p string) {
	if n := utf8.RuneCountInString(p); n < 10 || n > 256 {
		v.Add(loc, "must be 10 to 256 characters long")
	}
}

// Create makes an account at or below the actor's level, inside its subtree.
func (s *Users) Create(ctx context.Context, actor domain.Actor, in NewUser) (store.User, error) {
	var v domain.Validation
	if !usernameRE.MatchString(in.Username) {
		v.AddValue("body.username", in.Username, "must be 3 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	checkPassword(&v, "body.password", in.Password)
	if !in.Role.Valid() {
		v.AddValue("body.role", in.Role, "unknown role")
	}
	lv, okCode := domain.LevelOfCode(in.RegionCode)
	if !okCode {
		v.AddValue("body.region_code", in.RegionCode, "not a region code")
	}
	read := s.Store.Read(ctx)
	if okCode {
		if _, err := read.Region(in.RegionCode); err != nil {
			if domain.ErrorCode(err) != domain.ENotFound {
				return store.User{}, err
			}
			v.AddValue("body.region_code", in.RegionCode, "no such region")
		} else if in.Role.Valid() && !in.Role.AllowedAt(lv) {
			v.AddValue("body.role", in.Role, "a %s sits at a region of level %v, not %s", in.Role, in.Role.Levels(), lv)
		}
	}
	if err := v.Err(); err != nil {
		return store.User{}, err
	}
	if err := s.Authz.Check(actor, "users", "create", in.RegionCode); err != nil {
		return store.User{}, err
	}
	if in.Role == domain.RoleNationalAdmin && actor.Role != domain.RoleNationalAdmin {
		return store.User{}, domain.Errorf(domain.EForbidden, "only a national admin creates national admins")
	}
	hash, err := s.auth.HashPassword(in.Password)
	if err != nil {
		return store.User{}, err
	}
	now := s.now()
	var u store.User
	err = s.Store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.CreateUser(store.User{Username: in.Username, PasswordHash: hash, Role: in.Role,
			RegionCode: in.RegionCode}, actor.UserID, now); err != nil {
			return err
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: "user", EntityID: strconv.FormatInt(u.ID, 10),
			RegionCode: u.RegionCode, Event: "create",
			Detail: map[string]any{"username": u.Username, "role": u.Role}})
	})
	return u, err
}

// List lists the accounts in the actor's subtree.
func (s *Users) List(ctx context.Context, actor domain.Actor, p Page) (Paged[store.User], error) {
	if err := s.Authz.Check(actor, "users", "read", actor.RegionCode); err != nil {
		return Paged[store.User]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[store.User]{}, err
	}
	n := p.Size()
	users, err := s.Store.Read(ctx).ListUsers(actor.RegionCode, after, n+1)
	if err != nil {
		return Paged[store.User]{}, err
	}
	return page(users, n, func(x store.User) int64 { return x.ID }), nil
}
