# bash completion of iommusim, installed by `make install` as
# PREFIX/share/bash-completion/completions/iommusim.
#
# The subcommands come from `iommusim --help` and each one's options from
# `iommusim CMD --help`, so the completion follows the program it completes.

_iommusim()
{
    local cur prev cmd words
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [[ $COMP_CWORD -eq 1 || ( $COMP_CWORD -eq 2 && ${COMP_WORDS[1]} == help ) ]]; then
        words=$("${COMP_WORDS[0]}" --help 2>/dev/null |
                sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
        [[ $COMP_CWORD -eq 1 ]] && words="$words help --help --version"
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $prev in
        --out|-o|--trace|--collect|--mrc|--vcd|--timeline|--csv)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --mode)
            COMPREPLY=($(compgen -W "timing functional" -- "$cur")); return ;;
    esac
    if [[ $cur == -* ]]; then
        words=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
                grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return
    fi
    case $cmd in
        plot) COMPREPLY=($(compgen -d -- "$cur")) ;;
        run|sweep|info) COMPREPLY=($(compgen -f -X '!*.y*ml' -- "$cur") $(compgen -d -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _iommusim iommusim
