console.log("build: todo")
