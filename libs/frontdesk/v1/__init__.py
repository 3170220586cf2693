"""Generated protobuf and gRPC code for frontdesk.v1: do not edit; see frontdesk.codegen."""
