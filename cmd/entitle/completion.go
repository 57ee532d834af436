package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"
	"time"
)

func completionCommand() command {
	return command{
		name:    "completion",
		args:    "bash|zsh",
		summary: "print a completion script for bash or zsh (commands, subcommands, flags)",
		help: `Prints a script that completes entitle's commands, the subcommands of
user, token, audit, webhook and sso, each command's flags, the values of
the flags that take one of a few (--format csv|jsonl, --smtp-tls,
--log-format, --sales-desk-language), and file names elsewhere. The script is made from this build's commands, so it stays true
to them: print it again after an upgrade.

  bash: entitle completion bash > /etc/bash_completion.d/entitle
        (or, for one user, source <(entitle completion bash) in ~/.bashrc)
  zsh:  entitle completion zsh > "${fpath[1]}/_entitle"
        (or source <(entitle completion zsh) in ~/.zshrc, after compinit)`,
		run: runCompletion,
	}
}

func runCompletion(ctx context.Context, e *env, c command, args []string) error {
	f := newBareFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage{"name one shell: bash or zsh"}
	}
	script, ok := completionScripts[pos[0]]
	if !ok {
		return errUsage{fmt.Sprintf("no completion for %q: bash or zsh", pos[0])}
	}
	return script.Execute(e.stdout, completionTree())
}

// completionData is the command tree a script completes: the first words
// (commands and groups), each group's subcommands, each command's flags.
type completionData struct {
	Top      []string
	Groups   []completionGroup
	Commands []completionFlags
}

type completionGroup struct {
	Name string
	Subs []string
}

type completionFlags struct {
	Name   string // one or two words
	Flags  []string
	Values []flagValues // the flags that take one of a few values
}

// flagValues are the values a flag takes, offered after it.
type flagValues struct {
	Flag  string // --format
	Words []string
}

// choicesOf are the values flag fl takes when they are few: its Value's
// Choices (a language, a TLS mode), else the plain string flags' below.
func choicesOf(fl *flag.Flag) []string {
	if c, ok := fl.Value.(interface{ Choices() []string }); ok {
		return c.Choices()
	}
	return stringChoices[fl.Name]
}

// stringChoices are the values of the string flags that take one of a few
// (the commands check them; completion only offers them).
var stringChoices = map[string][]string{
	"format":     {"csv", "jsonl"},
	"log-format": {"text", "json"},
}

// completionTree reads the tree from commands(): the flags by asking each
// command to describe its FlagSet instead of running (env.describe).
func completionTree() completionData {
	var d completionData
	for _, c := range commands() {
		first, sub, two := strings.Cut(c.name, " ")
		if !slices.Contains(d.Top, first) {
			d.Top = append(d.Top, first)
		}
		if two {
			i := slices.IndexFunc(d.Groups, func(g completionGroup) bool { return g.Name == first })
			if i < 0 {
				i = len(d.Groups)
				d.Groups = append(d.Groups, completionGroup{Name: first})
			}
			d.Groups[i].Subs = append(d.Groups[i].Subs, sub)
		}
		cf := completionFlags{Name: c.name}
		describe := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
			now: time.Now, describe: func(fs *flag.FlagSet) {
				fs.VisitAll(func(fl *flag.Flag) {
					cf.Flags = append(cf.Flags, "--"+fl.Name)
					if words := choicesOf(fl); len(words) > 0 {
						cf.Values = append(cf.Values, flagValues{Flag: "--" + fl.Name, Words: words})
					}
				})
			}}
		c.run(context.Background(), describe, c, nil)
		d.Commands = append(d.Commands, cf)
	}
	d.Top = append(d.Top, "help")
	return d
}

var completionScripts = map[string]*template.Template{
	"bash": completionTemplate("bash", `# bash completion for entitle: entitle completion bash
_entitle() {
    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} at=2
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=($(compgen -W "{{join .Top " "}}" -- "$cur"))
        return
    fi
    if [[ $cmd == help ]]; then
        if (( COMP_CWORD == 2 )); then
            COMPREPLY=($(compgen -W "{{join .Top " "}}" -- "$cur"))
            return
        fi
        cmd=${COMP_WORDS[2]} at=3
    fi
    case $cmd in
{{- range .Groups}}
    {{.Name}})
        if (( COMP_CWORD == at )); then
            COMPREPLY=($(compgen -W "{{join .Subs " "}}" -- "$cur"))
            return
        fi
        cmd="$cmd ${COMP_WORDS[at]}" ;;
{{- end}}
    completion)
        if (( COMP_CWORD == at )); then
            COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))
        fi
        compopt +o default 2>/dev/null
        return ;;
    esac
    if [[ ${COMP_WORDS[1]} == help ]]; then
        compopt +o default 2>/dev/null # help takes nothing after the command
        return
    fi
    case "$cmd ${COMP_WORDS[COMP_CWORD-1]}" in
{{- range .Commands}}{{$c := .Name}}{{range .Values}}
    "{{$c}} {{.Flag}}") COMPREPLY=($(compgen -W "{{join .Words " "}}" -- "$cur")); compopt +o default 2>/dev/null; return ;;
{{- end}}{{end}}
    esac
    if [[ $cur == -* ]]; then
        case $cmd in
{{- range .Commands}}
        "{{.Name}}") COMPREPLY=($(compgen -W "{{join .Flags " "}}" -- "$cur")) ;;
{{- end}}
        esac
    fi
    # anything else: file names (complete -o default)
}
complete -o default -F _entitle entitle
`),
	"zsh": completionTemplate("zsh", `#compdef entitle
# zsh completion for entitle: entitle completion zsh
compdef _entitle entitle

_entitle() {
    local cmd=${words[2]}
    local -i at=3
    if (( CURRENT == 2 )); then
        compadd -- {{join .Top " "}}
        return
    fi
    if [[ $cmd == help ]]; then
        if (( CURRENT == 3 )); then
            compadd -- {{join .Top " "}}
            return
        fi
        cmd=${words[3]}
        at=4
    fi
    case $cmd in
{{- range .Groups}}
    {{.Name}})
        if (( CURRENT == at )); then
            compadd -- {{join .Subs " "}}
            return
        fi
        cmd="$cmd ${words[at]}" ;;
{{- end}}
    completion)
        if (( CURRENT == at )); then
            compadd -- bash zsh
        fi
        return ;;
    esac
    if [[ ${words[2]} == help ]]; then
        return # help takes nothing after the command
    fi
    case "$cmd ${words[CURRENT-1]}" in
{{- range .Commands}}{{$c := .Name}}{{range .Values}}
    "{{$c}} {{.Flag}}") compadd -- {{join .Words " "}}; return ;;
{{- end}}{{end}}
    esac
    if [[ $PREFIX == -* ]]; then
        case $cmd in
{{- range .Commands}}
        "{{.Name}}") compadd -- {{join .Flags " "}} ;;
{{- end}}
        esac
        return
    fi
    _files
}

# Sourced (source <(entitle completion zsh)), compdef above is all; loaded
# from fpath as _entitle, complete now.
if [[ $funcstack[1] == _entitle ]]; then
    _entitle "$@"
fi
`),
}

func completionTemplate(name, text string) *template.Template {
	return template.Must(template.New(name).Funcs(template.FuncMap{"join": strings.Join}).Parse(text))
}
