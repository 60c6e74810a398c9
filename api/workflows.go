package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
)

type machineIn struct {
	Machine string `path:"machine" enum:"campaign,batch,inspection,complaint"`
}

func (s *Server) workflowRoutes() {
	register(s, huma.Operation{OperationID: "get-workflow", Method: http.MethodGet, Path: "/api/v1/workflows/{machine}",
		Summary: "A state machine: states, events, guards and allowed roles", Tags: []string{"workflows"}, Errors: []int{404}},
		needs("workflows", "read"),
		func(ctx context.Context, in *machineIn) (*body[domain.Machine], error) {
			m, ok := domain.Machines()[in.Machine]
			if !ok {
				return nil, domain.Errorf(domain.ENotFound, "no workflow %q", in.Machine)
			}
			return &body[domain.Machine]{m}, nil
		})
}
