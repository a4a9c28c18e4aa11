module argoexec-ts/engines

go 1.26

require (
	github.com/expr-lang/expr v1.17.8
	github.com/itchyny/gojq v0.12.19
)

require github.com/itchyny/timefmt-go v0.1.8 // indirect
