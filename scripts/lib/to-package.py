#!/usr/bin/env python3
"""`package` instead of `public` for cross-module declarations: no module here is a library for code outside the package.
Rewrites the keyword only, never the word in comments or strings. Usage: to-package.py [root]"""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else '.'
keywords = ('import|func|var|let|struct|class|enum|protocol|init|static|final|actor|typealias|extension|subscript|'
            'nonisolated|mutating|nonmutating|override|convenience|required|indirect|lazy|dynamic|case|'
            'associatedtype|private|internal|fileprivate|distributed|borrowing|consuming|macro|@|init\\?|init!|'
            'operator|prefix|postfix|infix|precedencegroup|weak|unowned')
pattern = re.compile(r'(?m)(^|[ \t(]|\)\s)public(\(set\))?(?=\s+(?:' + keywords + r')\b|\s+@|\s+init[?!(])')
changed = 0
for base in ('Sources', 'Benchmarks', 'Tests', 'Plugins'):
    for directory, _, files in os.walk(os.path.join(root, base)):
        for name in files:
            if not name.endswith('.swift'): continue
            path = os.path.join(directory, name)
            text = open(path).read()
            new = pattern.sub(lambda m: m.group(1) + 'package' + (m.group(2) or ''), text)
            if new != text:
                open(path, 'w').write(new); changed += 1
print(f'{changed} files rewritten')
