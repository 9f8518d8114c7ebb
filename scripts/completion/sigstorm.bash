# bash completion for sigstorm(1)                           -*- shell-script -*-
#
# Installed to share/bash-completion/completions/sigstorm (bash-completion
# loads it on first use); or, by hand:  source scripts/completion/sigstorm.bash
#
# Completes the subcommands (run, points, report, fuzz), their options and
# the options' values: --check/--signals lists, --format, --policy, files,
# and --inject specs piece by piece (SIGNAL@, call:/after:/every:/handler:,
# the interposed functions from `sigstorm points`, ,when= ,p= ...). After `--`
# (or PROGRAM) it completes the program, then hands over to the program's own
# completion when bash-completion is loaded.
#
# The option lists follow `sigstorm SUBCOMMAND --help`
# (tests/install/install_test.sh checks that they do).

_sigstorm_subcommands="run points report fuzz"
_sigstorm_opts_top="-h --help --version"
_sigstorm_opts_run="-h --help -i --inject --check -o --report --format --color --seed --hang-timeout --timeout --kill-after --error-exitcode --time-scale --policy --max-findings --signals --expect-exit --exit-signals --no-follow-children --symbolize --suppressions --gen-suppressions --verbosity --srcroot"
_sigstorm_args_run="-i --inject --check -o --report --format --color --seed --hang-timeout --timeout --kill-after --error-exitcode --time-scale --policy --max-findings --signals --expect-exit --exit-signals --symbolize --suppressions --verbosity --srcroot"
_sigstorm_opts_fuzz="-h --help --max-time --runs --jobs --seed --signals --check --policy --hang-timeout --timeout --time-scale --error-exitcode -o --report --format --color --suppressions --gen-suppressions --verbosity --srcroot --no-fork-server"
_sigstorm_args_fuzz="--max-time --runs --jobs --seed --signals --check --policy --hang-timeout --timeout --time-scale --error-exitcode -o --report --format --color --suppressions --verbosity --srcroot"
_sigstorm_opts_report="-h --help --format -o --report --output --color --suppressions --gen-suppressions --verbosity --srcroot"
_sigstorm_args_report="--format -o --report --output --color --suppressions --verbosity --srcroot"
_sigstorm_opts_points="-h --help --format --policy"
_sigstorm_args_points="--format --policy"
_sigstorm_checks="unsafe-call errno-clobber reentrancy handler-hang handler-crash longjmp-mask handler-exception default-action no-exit"
_sigstorm_signals="USR1 USR2 HUP INT TERM QUIT ALRM VTALRM PROF CHLD PIPE WINCH URG CONT TSTP TTIN TTOU IO XCPU XFSZ SYS TRAP ABRT SEGV BUS FPE ILL RTMIN RTMIN+1 RTMIN+2 RTMAX-1"

# The interposed functions, for call:FUNC (asked once per shell).
_sigstorm_functions() {
  if [[ -z ${_sigstorm_points_cache-} ]]; then
    _sigstorm_points_cache="$("$1" points 2>/dev/null | awk 'NR > 1 && $1 != "" { print $1 }' | tr '\n' ' ')"
  fi
  printf '%s\n' "$_sigstorm_points_cache"
}

# Words of the full current word WORD, each prefixed by PREFIX and filtered.
_sigstorm_add() {  # PREFIX WORD CANDIDATES...
  local prefix=$1 cur=$2 c
  shift 2
  for c in "$@"; do
    [[ $prefix$c == "$cur"* ]] && COMPREPLY+=("$prefix$c")
  done
}

# Value of a comma list option: complete the item after the last comma.
_sigstorm_list() {  # CUR ITEMS...
  local cur=$1 prefix=""
  shift
  [[ $cur == *,* ]] && prefix=${cur%,*},
  _sigstorm_add "$prefix" "$cur" "$@"
  [[ ${#COMPREPLY[@]} -eq 1 ]] && compopt -o nospace 2>/dev/null
}

# --inject SPEC, piece by piece.
_sigstorm_spec() {  # CLI CUR
  local cli=$1 cur=$2 sig point rest
  compopt -o nospace 2>/dev/null
  if [[ $cur != *@* ]]; then
    local sigs=() s
    for s in $_sigstorm_signals; do
      sigs+=("$s@")
      [[ $cur == S* ]] && sigs+=("SIG$s@")
    done
    _sigstorm_add "" "$cur" "${sigs[@]}"
    return
  fi
  sig=${cur%%@*}@
  rest=${cur#*@}
  if [[ $rest != *:* ]]; then
    _sigstorm_add "$sig" "$cur" call: after: every: handler:
    return
  fi
  point=${rest%%:*}
  if [[ $rest != *,* ]]; then
    local value=${rest#*:}
    case $point in
      call)
        # shellcheck disable=SC2046  # one word per function
        _sigstorm_add "$sig$point:" "$cur" $(_sigstorm_functions "$cli") "*" ;;
      handler) _sigstorm_add "$sig$point:" "$cur" $_sigstorm_signals ;;
      after | every) [[ -z $value ]] && _sigstorm_add "$sig$point:" "$cur" 10ms 50ms 200us 1s ;;
    esac
    return
  fi
  local head=${cur%,*}, kv=${cur##*,}
  case $kv in
    target=*) _sigstorm_add "${head}target=" "$cur" self main process children exe: ;;
    mode=*) _sigstorm_add "${head}mode=" "$cur" signal eintr ;;
    from=*) _sigstorm_add "${head}from=" "$cur" start handler ;;
    *=*) ;;
    *) _sigstorm_add "$head" "$cur" when= p= target= mode= max= from= ;;
  esac
}

# PROGRAM: a command from PATH, or a path.
_sigstorm_program() {  # CUR
  if [[ $1 == */* ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$1")
  else
    mapfile -t COMPREPLY < <(compgen -c -- "$1" | sort -u; compgen -d -- "$1")
  fi
  compopt -o filenames 2>/dev/null
}

_sigstorm() {
  local cli=$1 line=${COMP_LINE:0:COMP_POINT} words=() cur
  # Our own split on blanks: COMP_WORDS splits at ':' '@' '=', which specs are made of.
  read -r -a words <<<"$line"
  if [[ $line == *[[:blank:]] || ${#words[@]} -eq 0 ]]; then
    cur=""
    words+=("")
  else
    cur=${words[${#words[@]} - 1]}
  fi
  local ncur=$((${#words[@]} - 1)) prev=""
  ((ncur > 0)) && prev=${words[ncur - 1]}
  COMPREPLY=()

  # The subcommand, and whether PROGRAM has started (after '--' or the first
  # word that is neither an option nor an option's value).
  local sub="" i w prog=-1 takes
  for ((i = 1; i < ncur; i++)); do
    w=${words[i]}
    if [[ -z $sub ]]; then
      [[ $w != -* ]] && sub=$w
      continue
    fi
    if [[ $w == -- ]]; then
      prog=$((i + 1))
      break
    fi
    takes="_sigstorm_args_$sub"
    if [[ $w == -* ]]; then
      [[ $w != *=* && " ${!takes-} " == *" $w "* ]] && ((i++))
      continue
    fi
    if [[ $sub == run || $sub == fuzz ]]; then
      prog=$i
      break
    fi
  done

  if ((prog >= 0)); then
    if ((ncur == prog)); then
      _sigstorm_program "$cur"
    elif declare -F _command_offset >/dev/null; then
      _command_offset "$prog"
      return
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      compopt -o filenames 2>/dev/null
    fi
    return
  fi

  if [[ -z $sub ]]; then
    if [[ $cur == -* ]]; then
      _sigstorm_add "" "$cur" $_sigstorm_opts_top
    else
      _sigstorm_add "" "$cur" $_sigstorm_subcommands
    fi
    return
  fi

  # A value for the option before it (also --opt=value).
  local opt=$prev value=$cur eq=""
  if [[ $cur == --*=* ]]; then
    opt=${cur%%=*}
    value=${cur#*=}
    eq=$opt=
  else
    takes="_sigstorm_args_$sub"
    [[ " ${!takes-} " == *" $opt "* ]] || opt=""
  fi
  if [[ -n $opt ]]; then
    case $opt in
      -i | --inject) _sigstorm_spec "$cli" "$value" ;;
      --check) _sigstorm_list "$value" $_sigstorm_checks ;;
      --signals | --exit-signals) _sigstorm_list "$value" $_sigstorm_signals ;;
      --policy) _sigstorm_add "" "$value" posix linux ;;
      --symbolize) _sigstorm_add "" "$value" 0 1 ;;
      --color) _sigstorm_add "" "$value" auto always never ;;
      --format)
        case $sub in
          points) _sigstorm_add "" "$value" text markdown ;;
          report) _sigstorm_add "" "$value" text sarif html json ;;
          *) _sigstorm_add "" "$value" text json sarif html ;;
        esac ;;
      --verbosity) _sigstorm_add "" "$value" 0 1 ;;
      --srcroot)
        mapfile -t COMPREPLY < <(compgen -d -- "$value")
        compopt -o filenames 2>/dev/null ;;
      -o | --report | --output | --suppressions)
        mapfile -t COMPREPLY < <(compgen -f -- "$value")
        compopt -o filenames 2>/dev/null ;;
      --hang-timeout | --timeout | --kill-after | --expect-exit | --max-time) _sigstorm_add "" "$value" 100ms 500ms 1s 1.5s 2s 5s 30s 10m 1h ;;
      --time-scale) _sigstorm_add "" "$value" 0.001 0.01 0.1 ;;
      *) ;;  # --seed N, --runs N, --jobs N, --error-exitcode N, --max-findings N
    esac
    if [[ -n $eq ]]; then
      local j
      for j in "${!COMPREPLY[@]}"; do COMPREPLY[j]=$eq${COMPREPLY[j]}; done
    fi
  elif [[ $cur == -* ]]; then
    local opts="_sigstorm_opts_$sub"
    _sigstorm_add "" "$cur" ${!opts-}
    [[ $sub == run || $sub == fuzz ]] && _sigstorm_add "" "$cur" --
  elif [[ $sub == report ]]; then
    mapfile -t COMPREPLY < <(compgen -f -X '!*.json' -- "$cur"; compgen -d -- "$cur")
    compopt -o filenames 2>/dev/null
  elif [[ $sub == run || $sub == fuzz ]]; then
    _sigstorm_program "$cur"
  fi

  # Readline replaces only the text after the last COMP_WORDBREAKS character
  # (':' '@' '=' ...): hand back just that part of every candidate.
  local strip=0 k ch
  for ((k = ${#cur} - 1; k >= 0; k--)); do
    ch=${cur:k:1}
    if [[ $COMP_WORDBREAKS == *"$ch"* ]]; then
      strip=$((k + 1))
      break
    fi
  done
  if ((strip > 0)); then
    for k in "${!COMPREPLY[@]}"; do COMPREPLY[k]=${COMPREPLY[k]:strip}; done
  fi
}

complete -F _sigstorm sigstorm
