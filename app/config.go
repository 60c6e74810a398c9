// Package app wires ducha together: configuration, the database, the queue,
// the use cases, the HTTP API and the background worker, and their orderly
// start and shutdown. cmd/ducha and the end-to-end tests both use it.
package app

import (
	"fmt"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is read from the environment; every field has a default that works
// on a bare machine.
type Config struct {
	Addr          string        `env:"DUCHA_ADDR" envDefault:"127.0.0.1:8080"`
	DB            string        `env:"DUCHA_DB" envDefault:"ducha.db"`
	Redis         string        `env:"DUCHA_REDIS"`
	RedisDB       int           `env:"DUCHA_REDIS_DB" envDefault:"0"`
	Queue         string        `env:"DUCHA_QUEUE" envDefault:"ducha"`
	AdminPassword string        `env:"DUCHA_ADMIN_PASSWORD"`
	TokenSecret   string        `env:"DUCHA_TOKEN_SECRET"`
	TokenTTL      time.Duration `env:"DUCHA_TOKEN_TTL" envDefault:"12h"`
	Files         string        `env:"DUCHA_FILES" envDefault:"files"`
	MaxUpload     int64         `env:"DUCHA_MAX_UPLOAD" envDefault:"20971520"`
	EncryptionKey string        `env:"DUCHA_ENCRYPTION_KEY"`
	Workers       int           `env:"DUCHA_WORKERS" envDefault:"10"`
	LogLevel      string        `env:"DUCHA_LOG_LEVEL" envDefault:"info"`
	LogFormat     string        `env:"DUCHA_LOG_FORMAT" envDefault:"text"`
	ShutdownGrace time.Duration `env:"DUCHA_SHUTDOWN_GRACE" envDefault:"15s"`
	// WebhookTimeout bounds one delivery attempt; WebhookMaxAttempts is how
	// many a notice gets before it is marked failed (at most 21: the queue's
	// retries + 1).
	WebhookTimeout     time.Duration `env:"DUCHA_WEBHOOK_TIMEOUT" envDefault:"10s"`
	WebhookMaxAttempts int           `env:"DUCHA_WEBHOOK_MAX_ATTEMPTS" envDefault:"20"`

	// ComplaintDeadlines overrides complaint deadlines per category and
	// phase, as JSON: {"vicious_case":{"resolve":{"days":3,"working":true}}}.
	ComplaintDeadlines string `env:"DUCHA_COMPLAINT_DEADLINES"`
}

// LoadConfig reads the environment.
func LoadConfig() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, nil
}
