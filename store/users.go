package store

import (
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
)

// User is a stored account. It lives here rather than in domain because the
// password hash and token version never leave the store and the auth code.
type User struct {
	ID           int64       `json:"id"`
	Username     string      `json:"username"`
	Role         domain.Role `json:"role"`
	RegionCode   string      `json:"region_code"`
	Disabled     bool        `json:"disabled"`
	CreatedAt    time.Time   `json:"created_at"`
	PasswordHash string      `json:"-"`
	TokenVersion int         `json:"-"`
}

// Actor returns the user as the actor of a change.
func (u User) Actor() domain.Actor {
	return domain.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, RegionCode: u.RegionCode}
}

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	RegionCode   string
	TokenVersion int
	Disabled     bool
	CreatedBy    *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) toUser() User {
	return User{ID: r.ID, Username: r.Username, Role: domain.Role(r.Role), RegionCode: r.RegionCode,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt, PasswordHash: r.PasswordHash, TokenVersion: r.TokenVersion}
}

// CreateUser stores a new user; a taken username is EConflict.
func (tx *Tx) CreateUser(u User, createdBy int64, now time.Time) (User, error) {
	row := userRow{Username: u.Username, PasswordHash: u.PasswordHash, Role: string(u.Role),
		RegionCode: u.RegionCode, TokenVersion: 1, CreatedAt: now, UpdatedAt: now}
	if createdBy != 0 {
		row.CreatedBy = &createdBy
	}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return User{}, domain.Errorf(domain.EConflict, "username %q is taken", u.Username)
		}
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return row.toUser(), nil
}

// UserByID returns a user or ENotFound.
func (tx *Tx) UserByID(id int64) (User, error) {
	var r userRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return User{}, notFound(err, "user %d not found", id)
	}
	return r.toUser(), nil
}

// UserByUsername returns a user or ENotFound.
func (tx *Tx) UserByUsername(name string) (User, error) {
	var r userRow
	if err := tx.db.Take(&r, "username = ?", name).Error; err != nil {
		return User{}, notFound(err, "user %q not found", name)
	}
	return r.toUser(), nil
}

// CountUsers counts all users.
func (tx *Tx) CountUsers() (int64, error) {
	var n int64
	err := tx.db.Model(&userRow{}).Count(&n).Error
	return n, err
}

// ListUsers lists users whose region lies in scope's subtree, by id, after
// the id `after`.
func (tx *Tx) ListUsers(scope string, after int64, limit int) ([]User, error) {
	q := tx.db.Model(&userRow{}).Where("id > ?", after)
	if scope != domain.NationCode {
		q = q.Where("region_code LIKE ?", scope+"%")
	}
	var rows []userRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.toUser()
	}
	return out, nil
}

// SetPassword stores a new hash and bumps the token version, so that every
// token issued before is refused.
func (tx *Tx) SetPassword(id int64, hash string, now time.Time) error {
	return tx.updateUser(id, map[string]any{"password_hash": hash, "token_version": gormExpr("token_version + 1"), "updated_at": now})
}

// RevokeTokens bumps the token version: every token issued before is refused.
func (tx *Tx) RevokeTokens(id int64, now time.Time) error {
	return tx.updateUser(id, map[string]any{"token_version": gormExpr("token_version + 1"), "updated_at": now})
}

func (tx *Tx) updateUser(id int64, set map[string]any) error {
	res := tx.db.Model(&userRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("store: update user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ENotFound, "user %d not found", id)
	}
	return nil
}
